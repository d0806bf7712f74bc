-- Loads Deals records (JSON Lines from `recordlock gen --module Deals`) into a typed table
-- "deals" for `recordlock sweep --postgres`: psql -f load-deals.sql < deals.jsonl
-- Each line goes in as jsonb (exact numbers), then into columns of the types recordlock reads.
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS deals_json, deals;
CREATE UNLOGGED TABLE deals_json (doc jsonb);
-- CSV with quote and delimiter bytes that never occur in the JSON: one line, one value.
\copy deals_json FROM pstdin WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
CREATE TABLE deals AS SELECT
  doc->>'id' AS id,
  doc->'Owner'->>'id' AS "Owner",
  doc->>'Deal_Name' AS "Deal_Name",
  doc->'Account_Name'->>'id' AS "Account_Name",
  doc->'Contact_Name'->>'id' AS "Contact_Name",
  doc->>'Type' AS "Type",
  doc->>'Next_Step' AS "Next_Step",
  doc->>'Lead_Source' AS "Lead_Source",
  doc->'Campaign_Source'->>'id' AS "Campaign_Source",
  (doc->>'Amount')::numeric(16,2) AS "Amount",
  (doc->>'Closing_Date')::date AS "Closing_Date",
  doc->>'Pipeline' AS "Pipeline",
  doc->>'Stage' AS "Stage",
  (doc->>'Probability')::numeric AS "Probability",
  (doc->>'Expected_Revenue')::numeric(16,2) AS "Expected_Revenue",
  (doc->>'Lead_Conversion_Time')::bigint AS "Lead_Conversion_Time",
  (doc->>'Sales_Cycle_Duration')::bigint AS "Sales_Cycle_Duration",
  (doc->>'Overall_Sales_Duration')::bigint AS "Overall_Sales_Duration",
  doc->>'Description' AS "Description",
  doc->'Created_By'->>'id' AS "Created_By",
  doc->'Modified_By'->>'id' AS "Modified_By",
  (doc->>'Created_Time')::timestamptz AS "Created_Time",
  (doc->>'Modified_Time')::timestamptz AS "Modified_Time",
  (doc->>'Last_Activity_Time')::timestamptz AS "Last_Activity_Time",
  (doc->>'Locked__s')::boolean AS "Locked__s"
FROM deals_json;
ALTER TABLE deals ADD PRIMARY KEY (id);
DROP TABLE deals_json;
VACUUM ANALYZE deals;
