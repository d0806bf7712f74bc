//! Word tests: 64 `i32` values tested at once, bit `j` of the answer for value `j`, on SSE2
//! (part of every x86-64) through `safe_arch`, which wraps `core::arch` without `unsafe`
//! here; in portable Rust elsewhere (and as the reference the SSE2 versions are tested
//! against). Dictionary keys and the low halves of small decimals are tested this way.

use crate::rows::WORD;

/// Bit `j`: whether `keys[j] - first`, unsigned, is at most `span`.
#[inline]
pub(crate) fn range_bits(keys: &[i32; WORD], first: i32, span: u32) -> u64 {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
    {
        use safe_arch::{
            add_i8_m128i, add_i16_m128i, add_i32_m128i, cmp_gt_mask_i8_m128i, cmp_gt_mask_i16_m128i,
            cmp_gt_mask_i32_m128i, set_splat_i8_m128i, set_splat_i16_m128i, set_splat_i32_m128i,
        };
        // Unsigned `x <= span` as signed `x ^ MIN <= span ^ MIN`: the bits of `>` inverted;
        // `(k - first) ^ MIN` is `k + (MIN - first)` (flipping the top bit adds it), one add.
        let last = i64::from(first) + i64::from(span);
        if let Some((first, last)) = within(first, last, i8::MIN, i8::MAX) {
            // As below, on keys narrowed to bytes: sixteen a compare.
            let bound = set_splat_i8_m128i((last.abs_diff(first) ^ 0x80) as i8);
            let shift = set_splat_i8_m128i(i8::MIN.wrapping_sub(first));
            return !sse2_bits8(keys, |k| cmp_gt_mask_i8_m128i(add_i8_m128i(k, shift), bound));
        }
        if let Some((first, last)) = within(first, last, i16::MIN, i16::MAX) {
            // A key past i16 saturates to i16::MIN or i16::MAX, outside the range.
            let bound = set_splat_i16_m128i((last.abs_diff(first) ^ 0x8000) as i16);
            let shift = set_splat_i16_m128i(i16::MIN.wrapping_sub(first));
            return !sse2_bits16(keys, |k| cmp_gt_mask_i16_m128i(add_i16_m128i(k, shift), bound));
        }
        let shift = set_splat_i32_m128i(i32::MIN.wrapping_sub(first));
        let bound = set_splat_i32_m128i((span ^ 0x8000_0000) as i32);
        !sse2_bits(keys, |k| cmp_gt_mask_i32_m128i(add_i32_m128i(k, shift), bound))
    }
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")))]
    portable_bits(keys, |k| k.wrapping_sub(first) as u32 <= span)
}

/// Bit `j`: whether `keys[j]` is `a` or `b`.
#[inline]
pub(crate) fn pair_bits(keys: &[i32; WORD], a: i32, b: i32) -> u64 {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
    {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, cmp_eq_mask_i16_m128i, cmp_eq_mask_i32_m128i, set_splat_i8_m128i,
            set_splat_i16_m128i, set_splat_i32_m128i,
        };
        if let (Some((a, _)), Some((b, _))) =
            (within(a, i64::from(a), i8::MIN, i8::MAX), within(b, i64::from(b), i8::MIN, i8::MAX))
        {
            // A key past i8 saturates to i8::MIN or i8::MAX: neither `a` nor `b`.
            let (a, b) = (set_splat_i8_m128i(a), set_splat_i8_m128i(b));
            return sse2_bits8(keys, |k| bitor_m128i(cmp_eq_mask_i8_m128i(k, a), cmp_eq_mask_i8_m128i(k, b)));
        }
        if let (Some((a, _)), Some((b, _))) =
            (within(a, i64::from(a), i16::MIN, i16::MAX), within(b, i64::from(b), i16::MIN, i16::MAX))
        {
            // A key past i16 saturates to i16::MIN or i16::MAX: neither `a` nor `b`.
            let (a, b) = (set_splat_i16_m128i(a), set_splat_i16_m128i(b));
            return sse2_bits16(keys, |k| bitor_m128i(cmp_eq_mask_i16_m128i(k, a), cmp_eq_mask_i16_m128i(k, b)));
        }
        let (a, b) = (set_splat_i32_m128i(a), set_splat_i32_m128i(b));
        sse2_bits(keys, |k| bitor_m128i(cmp_eq_mask_i32_m128i(k, a), cmp_eq_mask_i32_m128i(k, b)))
    }
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")))]
    portable_bits(keys, |k| (k == a) | (k == b))
}

/// `first..=last` as a narrower integer type's values when both lie strictly between its
/// `min` and `max`, the values keys narrowed with saturation take when they lie past the
/// type: then a test on narrowed keys answers as on the keys. With `i16`: dictionaries of up
/// to 32,766 values; with `i8`: up to 126, such as a picklist's.
#[cfg_attr(
    not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")),
    expect(dead_code, reason = "used by the SSE2 versions")
)]
fn within<T: TryFrom<i64> + PartialEq + Copy>(first: i32, last: i64, min: T, max: T) -> Option<(T, T)> {
    let inside = |v: i64| T::try_from(v).ok().filter(|t| *t != min && *t != max);
    if i64::from(first) > last {
        return None;
    }
    Some((inside(i64::from(first))?, inside(last)?))
}

/// Bit `j`: the lanes of `test` on sixteen keys at a time, narrowed to `i8` with signed
/// saturation (through `i16`; each lane all ones or all zeros), gathered by `pmovmskb`: a
/// quarter of the compares of [`sse2_bits`].
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
#[inline(always)]
fn sse2_bits8(keys: &[i32; WORD], test: impl Fn(safe_arch::m128i) -> safe_arch::m128i) -> u64 {
    use safe_arch::{pack_i16_to_i8_m128i, pack_i32_to_i16_m128i};
    sse2_sixteens(keys, |[a, b, c, d]| {
        test(pack_i16_to_i8_m128i(pack_i32_to_i16_m128i(a, b), pack_i32_to_i16_m128i(c, d)))
    })
}

/// Bit `j`: the lanes of `test` on eight keys at a time, narrowed to `i16` with signed
/// saturation (each lane all ones or all zeros), the lanes of 16 keys narrowed to bytes and
/// gathered by `pmovmskb`: half the compares of [`sse2_bits`].
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
#[inline(always)]
fn sse2_bits16(keys: &[i32; WORD], test: impl Fn(safe_arch::m128i) -> safe_arch::m128i) -> u64 {
    use safe_arch::{pack_i16_to_i8_m128i, pack_i32_to_i16_m128i};
    sse2_sixteens(keys, |[a, b, c, d]| {
        pack_i16_to_i8_m128i(test(pack_i32_to_i16_m128i(a, b)), test(pack_i32_to_i16_m128i(c, d)))
    })
}

/// Bit `j`: the lanes of `test` on four keys at a time (each all ones or all zeros), the
/// lanes of 16 keys narrowed to bytes and gathered by `pmovmskb` (`safe_arch` wraps SSE2,
/// part of every x86-64, without `unsafe` here).
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
#[inline(always)]
fn sse2_bits(keys: &[i32; WORD], test: impl Fn(safe_arch::m128i) -> safe_arch::m128i) -> u64 {
    use safe_arch::{pack_i16_to_i8_m128i, pack_i32_to_i16_m128i};
    sse2_sixteens(keys, |quads| {
        let [a, b, c, d] = quads.map(&test);
        // Saturating packs keep all ones (-1) and zero as they are.
        pack_i16_to_i8_m128i(pack_i32_to_i16_m128i(a, b), pack_i32_to_i16_m128i(c, d))
    })
}

/// Bit `j` of the keys in sixteens: each sixteen as four registers of four keys (exact chunks,
/// `as_chunks`: no bounds checks), made by `lanes` into one register of 16 byte lanes (each
/// all ones or all zeros), gathered by `pmovmskb`.
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
#[inline(always)]
fn sse2_sixteens(keys: &[i32; WORD], lanes: impl Fn([safe_arch::m128i; 4]) -> safe_arch::m128i) -> u64 {
    use safe_arch::{m128i, move_mask_i8_m128i};
    let mut bits = 0u64;
    let (groups, _) = keys.as_chunks::<16>();
    for (g, sixteen) in groups.iter().enumerate() {
        let (quads, _) = sixteen.as_chunks::<4>();
        let quads = [0, 1, 2, 3].map(|q| m128i::from(quads.get(q).copied().unwrap_or_default()));
        bits |= u64::from(move_mask_i8_m128i(lanes(quads)) as u16) << (16 * g);
    }
    bits
}

/// Bit `j`: whether `test` passes `keys[j]`, in portable Rust (other targets; and the
/// reference the SSE2 version is tested against; used by [`portable_small_decimal_bits`]).
fn portable_bits(keys: &[i32; WORD], test: impl Fn(i32) -> bool) -> u64 {
    keys.iter().enumerate().fold(0, |bits, (j, k)| bits | (u64::from(test(*k)) << j))
}

/// Bit `j`: whether `values[j]` (a Decimal128 value, an integer at the column's scale) lies
/// in `first..=first + span` read as unsigned 32-bit numbers; `None` when some value lies
/// outside `0..2^32` (then the caller compares `i128`s).
#[inline(always)]
pub(crate) fn small_decimal_bits(values: &[i128; WORD], first: i32, span: u32) -> Option<u64> {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
    {
        use safe_arch::{
            add_i32_m128i, bitand_m128i, bitor_m128i, cmp_eq_mask_i8_m128i, cmp_gt_mask_i32_m128i, m128i,
            move_mask_i8_m128i, pack_i16_to_i8_m128i, pack_i32_to_i16_m128i, set_splat_i32_m128i, unpack_low_i32_m128i,
            unpack_low_i64_m128i, zeroed_m128i,
        };
        // Every value in 0..2^32 first (no bit set past the low 32 of any); then four values' low
        // halves (each value one register, its low 32 bits in lane 0) gathered into one
        // register and tested as `range_bits` tests keys.
        let every = values.iter().fold(zeroed_m128i(), |bits, v| bitor_m128i(bits, m128i::from(*v)));
        if move_mask_i8_m128i(cmp_eq_mask_i8_m128i(bitand_m128i(every, m128i::from([0, -1, -1, -1])), zeroed_m128i()))
            != 0xFFFF
        {
            return None;
        }
        // As in `range_bits`: `(low - first) ^ MIN` is `low + (MIN - first)`.
        let shift = set_splat_i32_m128i(i32::MIN.wrapping_sub(first));
        let bound = set_splat_i32_m128i((span ^ 0x8000_0000) as i32);
        let mut outside = 0u64;
        let (groups, _) = values.as_chunks::<16>();
        for (g, sixteen) in groups.iter().enumerate() {
            let mut quads = [zeroed_m128i(); 4];
            for (quad, four) in quads.iter_mut().zip(sixteen.as_chunks::<4>().0) {
                let [a, b, c, d] = four.map(m128i::from);
                let lows = unpack_low_i64_m128i(unpack_low_i32_m128i(a, b), unpack_low_i32_m128i(c, d));
                *quad = cmp_gt_mask_i32_m128i(add_i32_m128i(lows, shift), bound);
            }
            let [q0, q1, q2, q3] = quads;
            let packed = pack_i16_to_i8_m128i(pack_i32_to_i16_m128i(q0, q1), pack_i32_to_i16_m128i(q2, q3));
            outside |= u64::from(move_mask_i8_m128i(packed) as u16) << (16 * g);
        }
        Some(!outside)
    }
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")))]
    portable_small_decimal_bits(values, first, span)
}

/// [`small_decimal_bits`] in portable Rust.
#[cfg_attr(
    all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2", not(test)),
    expect(dead_code, reason = "the SSE2 version is used here; this one is for other targets and tests")
)]
fn portable_small_decimal_bits(values: &[i128; WORD], first: i32, span: u32) -> Option<u64> {
    if values.iter().fold(0u128, |bits, v| bits | *v as u128) >> 32 != 0 {
        return None;
    }
    let lows: [i32; WORD] = std::array::from_fn(|j| values.get(j).map_or(0, |v| *v as u32 as i32));
    Some(portable_bits(&lows, |k| k.wrapping_sub(first) as u32 <= span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_decimals_agree_with_the_portable_version_and_refuse_wide_values() {
        let two32 = 1i128 << 32;
        let pool = [0, 1, 2, 99, 100, 101, (1 << 31) - 1, 1 << 31, two32 - 2, two32 - 1];
        for (first, last) in [(0u32, 0u32), (99, 101), (0, u32::MAX), ((1 << 31) - 1, 1 << 31), (5, 3_000_000_000)] {
            let span = last - first;
            let values: [i128; WORD] = std::array::from_fn(|j| pool[(j * 7 + j / 5) % pool.len()]);
            let want = portable_small_decimal_bits(&values, first as i32, span);
            assert!(want.is_some());
            assert_eq!(small_decimal_bits(&values, first as i32, span), want, "{first}..={last}");
            let reference = values
                .iter()
                .enumerate()
                .fold(0u64, |bits, (j, v)| bits | (u64::from((i128::from(first)..=i128::from(last)).contains(v)) << j));
            assert_eq!(want, Some(reference));
            // One value outside 0..2^32, at any position, sends the word to the i128 compare.
            for wide in [-1, two32, two32 + 100, -two32, i128::MAX, i128::MIN, 1 << 64, 1 << 100] {
                for at in [0, 13, 63] {
                    let mut with = values;
                    with[at] = wide;
                    assert_eq!(small_decimal_bits(&with, first as i32, span), None, "{wide} at {at}");
                    assert_eq!(portable_small_decimal_bits(&with, first as i32, span), None);
                }
            }
        }
    }

    #[test]
    fn word_tests_agree_with_the_portable_version() {
        // Every key near the bounds, and the extremes that wrap; keys 2^16 away from the
        // bounds (equal to them in 16 bits) and around i16's ends, where narrowed keys
        // saturate: the narrowed tests must tell them apart.
        let near = |c: i32| {
            let wrap = [c.wrapping_sub(1 << 16), c.wrapping_add(1 << 16), c.wrapping_add(3 << 16)];
            [c.wrapping_sub(1), c, c.wrapping_add(1), i32::MIN, i32::MAX, -1, 0].into_iter().chain(wrap)
        };
        let ends = [
            32_766, 32_767, 32_768, 65_535, -32_767, -32_768, -32_769, -65_536, 126, 127, 128, 255, 256, -127, -128,
            -129, -256, 383,
        ];
        let ranges = [
            (0, 0),
            (3, 9),
            (-5, 5),
            (0, i32::MAX),
            (i32::MIN, -1),
            (7, 7),
            (32_760, 32_766),
            (-32_767, -32_760),
            (5, 32_767),
            (-32_768, 5),
            (32_766, 32_768),
            (120, 126),
            (-127, -120),
            (5, 127),
            (-128, 5),
            (126, 128),
            (0, 126),
            (3, 3),
        ];
        for (first, last) in ranges {
            let mut pool: Vec<i32> = near(first).chain(near(last)).chain(ends).collect();
            pool.extend(first..first.saturating_add(4));
            let keys: [i32; WORD] = std::array::from_fn(|j| pool[(j * 5 + j / 7) % pool.len()]);
            let span = last.abs_diff(first);
            let want = portable_bits(&keys, |k| k.wrapping_sub(first) as u32 <= span);
            assert_eq!(range_bits(&keys, first, span), want, "{first}..={last}");
            let want = portable_bits(&keys, |k| (k == first) | (k == last));
            assert_eq!(pair_bits(&keys, first, last), want, "{first}, {last}");
        }
    }
}
