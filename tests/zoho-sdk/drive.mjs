// Zoho's official Node.js SDK (@zohocrm/nodejs-sdk-8.0, pinned in package.json) as a
// client of `recordlock serve`: create -> get -> update (rule upsert, then `_delete`) ->
// lock -> edit reason -> unlock -> delete, through the SDK's own operation classes, every
// response parsed into the SDK's response classes and checked.
//
// Usage: node drive.mjs BASE_URL TOKEN WORK_DIR
//   BASE_URL  the server, e.g. http://127.0.0.1:8080 (the SDK's environment URL; its
//             accounts URL points there too, so nothing ever reaches Zoho)
//   TOKEN     a token minted by `recordlock token` with the record locking scopes, the
//             fields scope, and the lock and unlock permissions
//   WORK_DIR  a writable directory for the SDK's token store, field cache and log
// Exits 0 when every step checked out; prints each step; exits 1 at the first failure.

import * as fs from "node:fs";
import * as path from "node:path";
import * as ZOHOCRMSDK from "@zohocrm/nodejs-sdk-8.0";

const { RecordLockingConfiguration: RLC, RecordLocking: RL, Choice, ParameterMap } = ZOHOCRMSDK;
const [base, accessToken, workDir] = process.argv.slice(2);
if (!base || !accessToken || !workDir) {
  console.error("usage: node drive.mjs BASE_URL TOKEN WORK_DIR");
  process.exit(2);
}

let steps = 0;
function check(condition, what, got) {
  if (!condition) {
    throw new Error(`${what}: got ${typeof got === "object" ? JSON.stringify(got, (k, v) => (typeof v === "bigint" ? v.toString() : v)) : got}`);
  }
}
function step(name) {
  steps += 1;
  console.log(`ok ${steps} - ${name}`);
}

// A successful action: the SDK parsed the body into ActionWrapper / SuccessResponse.
function success(response, status, message, Wrapper, Success) {
  check(response != null, "a response", response);
  check(response.getStatusCode() === status, `HTTP ${status}`, response.getStatusCode());
  const wrapper = response.getObject();
  check(wrapper instanceof Wrapper, `an ${Wrapper.name}`, wrapper);
  const items = wrapper.getData ? wrapper.getData() : wrapper.getRecordLockingConfigurations();
  const item = items[0];
  check(item instanceof Success, `a ${Success.name}`, item);
  check(item.getStatus().getValue() === "success", "status success", item.getStatus().getValue());
  check(item.getCode().getValue() === "SUCCESS", "code SUCCESS", item.getCode().getValue());
  check(item.getMessage().getValue() === message, `message "${message}"`, item.getMessage().getValue());
  return item.getDetails();
}

async function initialize() {
  fs.mkdirSync(workDir, { recursive: true });
  const environment = new ZOHOCRMSDK.Environment(base, `${base}/accounts`, base);
  const token = new ZOHOCRMSDK.OAuthBuilder().accessToken(accessToken).findUser(false).build();
  const store = new ZOHOCRMSDK.FileStore(path.join(workDir, "sdk_tokens.txt"));
  const logger = new ZOHOCRMSDK.LogBuilder().level(ZOHOCRMSDK.Levels.INFO).filePath(path.join(workDir, "sdk.log")).build();
  const sdkConfig = new ZOHOCRMSDK.SDKConfigBuilder().autoRefreshFields(false).pickListValidation(false).build();
  await (await new ZOHOCRMSDK.InitializeBuilder())
    .environment(environment)
    .token(token)
    .store(store)
    .SDKConfig(sdkConfig)
    .resourcePath(workDir)
    .logger(logger)
    .initialize();
}

function rule(name, comparator, apiName, value) {
  const r = new RLC.LockingRules();
  r.setName(name);
  r.setLockExistingRecords(false);
  const criteria = new RLC.Criteria();
  criteria.setComparator(comparator);
  const field = new RLC.Field();
  field.setAPIName(apiName);
  criteria.setField(field);
  criteria.setValue(value);
  r.setCriteria(criteria);
  return r;
}

async function main() {
  await initialize();
  const configs = new RLC.RecordLockingConfigurationOperations("Deals");

  // create
  const config = new RLC.RecordLock();
  config.setLockType(new Choice("both"));
  config.setLockedFor("all_profiles");
  config.setRestrictedActions(["update", "delete"]);
  config.setLockForPortalUsers(false);
  config.setLockingRules([rule("Closed Won", "equal", "Stage", "Closed Won")]);
  const createBody = new RLC.BodyWrapper();
  createBody.setRecordLockingConfigurations([config]);
  let details = success(await configs.addRecordLockingConfiguration(createBody), 201,
    "record locking configuration created successfully", RLC.ActionWrapper, RLC.SuccessResponse);
  const configId = BigInt(details.get("id"));
  step(`create: configuration ${configId}`);

  // get
  const params = new ParameterMap();
  await params.add(RLC.GetRecordLockingConfigurationsParam.FEATURE_TYPE, "record_locking");
  let got = await configs.getRecordLockingConfigurations(params);
  check(got.getStatusCode() === 200, "HTTP 200", got.getStatusCode());
  check(got.getObject() instanceof RLC.ResponseWrapper, "a ResponseWrapper", got.getObject());
  let stored = got.getObject().getRecordLockingConfigurations()[0];
  check(stored instanceof RLC.RecordLock, "a RecordLock", stored);
  check(stored.getId() === configId, "the id, exact", stored.getId());
  check(stored.getLockType().getValue() === "both", "lock_type both", stored.getLockType().getValue());
  check(stored.getLockForPortalUsers() === false, "lock_for_portal_users false (a real boolean)", stored.getLockForPortalUsers());
  check(stored.getSystemDefined() === false, "system_defined false", stored.getSystemDefined());
  const actions = stored.getRestrictedActions().map((a) => (a instanceof Choice ? a.getValue() : a)).sort();
  check(JSON.stringify(actions) === JSON.stringify(["delete", "update"]), "restricted_actions", actions);
  const rules = stored.getLockingRules();
  check(rules.length === 1 && rules[0].getName() === "Closed Won", "one rule", rules.length);
  const wonId = rules[0].getId();
  check(typeof wonId === "bigint", "rule id as BigInt", wonId);
  check(rules[0].getCriteria().getField().getAPIName() === "Stage", "criteria field", rules[0].getCriteria().getField().getAPIName());
  step(`get: lock_type both, rule ${wonId}`);

  // update: edit the rule (by id) and add one (without id) in one PUT
  const edited = rule("Closed Won or Lost", "in", "Stage", ["Closed Won", "Closed Lost"]);
  edited.setId(wonId);
  const upsert = new RLC.RecordLock();
  upsert.setLockingRules([edited, rule("Big", "greater_than", "Amount", 100000)]);
  const upsertBody = new RLC.BodyWrapper();
  upsertBody.setRecordLockingConfigurations([upsert]);
  success(await configs.updateRecordLockingConfiguration(configId, upsertBody), 200,
    "record locking configuration updated successfully", RLC.ActionWrapper, RLC.SuccessResponse);
  got = await configs.getRecordLockingConfigurations();
  stored = got.getObject().getRecordLockingConfigurations()[0];
  const names = stored.getLockingRules().map((r) => r.getName());
  check(JSON.stringify(names) === JSON.stringify(["Closed Won or Lost", "Big"]), "rules after upsert", names);
  check(stored.getLockingRules()[0].getId() === wonId, "the edited rule keeps its id", stored.getLockingRules()[0].getId());
  const bigId = stored.getLockingRules()[1].getId();
  step(`update: rule ${wonId} edited, rule ${bigId} added`);

  // update on the collection (id in the body): `_delete` a rule
  const removal = new RLC.LockingRules();
  removal.setId(bigId);
  removal.setDelete(true);
  const trimmed = new RLC.RecordLock();
  trimmed.setId(configId);
  trimmed.setLockingRules([removal]);
  const trimBody = new RLC.BodyWrapper();
  trimBody.setRecordLockingConfigurations([trimmed]);
  success(await configs.updateRecordLockingConfigurations(trimBody), 200,
    "record locking configuration updated successfully", RLC.ActionWrapper, RLC.SuccessResponse);
  got = await configs.getRecordLockingConfigurations();
  stored = got.getObject().getRecordLockingConfigurations()[0];
  check(stored.getLockingRules().length === 1, "one rule after _delete", stored.getLockingRules().length);
  step(`update: rule ${bigId} deleted with _delete`);

  // lock
  const recordId = 5843104000000424672n;
  const locks = new RL.RecordLockingOperations(recordId, "Deals");
  const lock = new RL.LockRecord();
  lock.setLockedReasonS("audit in progress");
  const lockBody = new RL.BodyWrapper();
  lockBody.setData([lock]);
  details = success(await locks.lockRecords(lockBody), 201, "record added", RL.ActionWrapper, RL.SuccessResponse);
  const lockId = BigInt(details.get("id"));
  step(`lock: record ${recordId}, lock ${lockId}`);

  // a second lock: NOT_ALLOWED, parsed into the SDK's APIException
  const again = await locks.lockRecords(lockBody);
  check(again.getStatusCode() === 403, "HTTP 403", again.getStatusCode());
  const refusal = again.getObject();
  check(refusal instanceof RL.APIException, "an APIException", refusal);
  check(refusal.getCode().getValue() === "NOT_ALLOWED", "NOT_ALLOWED", refusal.getCode().getValue());
  step("lock again: NOT_ALLOWED");

  // list the record's locks
  const fields = new ParameterMap();
  await fields.add(RL.GetRecordLockingInformationsParam.FIELDS, "Locked_Reason__s,Lock_Source__s,Locked_By__s,Locked_For__s");
  let listed = await locks.getRecordLockingInformations(fields);
  check(listed.getStatusCode() === 200, "HTTP 200", listed.getStatusCode());
  check(listed.getObject() instanceof RL.ResponseWrapper, "a ResponseWrapper", listed.getObject());
  let record = listed.getObject().getData()[0];
  check(record instanceof RL.RecordLock, "a RecordLock", record);
  check(record.getId() === lockId, "the lock id", record.getId());
  check(record.getKeyValue("Locked_Reason__s") === "audit in progress", "the reason", record.getKeyValue("Locked_Reason__s"));
  const source = record.getKeyValue("Lock_Source__s");
  check((source instanceof Choice ? source.getValue() : source) === "Manual", "Manual", source);
  check(listed.getObject().getInfo().getCount() === 1, "info.count 1", listed.getObject().getInfo().getCount());
  step("list: one manual lock");

  // edit the reason
  const reason = new RL.LockRecord();
  reason.setLockedReasonS("legal hold");
  const reasonBody = new RL.BodyWrapper();
  reasonBody.setData([reason]);
  details = success(await locks.updateRecordLockingInformation(lockId, reasonBody), 200, "relation updated",
    RL.ActionWrapper, RL.SuccessResponse);
  check(BigInt(details.get("id")) === lockId, "the lock id", details.get("id"));
  const one = await locks.getRecordLockingInformation(lockId);
  record = one.getObject().getData()[0];
  check(record.getKeyValue("Locked_Reason__s") === "legal hold", "the new reason", record.getKeyValue("Locked_Reason__s"));
  step("edit reason: legal hold");

  // unlock
  details = success(await locks.unlockRecord(lockId), 200, "relation removed", RL.ActionWrapper, RL.SuccessResponse);
  check(BigInt(details.get("id")) === lockId, "the lock id", details.get("id"));
  listed = await locks.getRecordLockingInformations(fields);
  check(listed.getStatusCode() === 204, "HTTP 204 after unlock", listed.getStatusCode());
  step("unlock");

  // delete the configuration
  success(await configs.deleteRecordLockingConfiguration(configId), 200, "record locking configuration deleted",
    RLC.ActionWrapper, RLC.SuccessResponse);
  got = await configs.getRecordLockingConfigurations();
  check(got.getStatusCode() === 204, "HTTP 204 after delete", got.getStatusCode());
  step("delete");

  console.log(`${steps} passed, 0 failed`);
}

main().catch((e) => {
  console.error(`not ok ${steps + 1} - ${e && e.stack ? e.stack : JSON.stringify(e)}`);
  process.exit(1);
});
