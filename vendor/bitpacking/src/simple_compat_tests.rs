//! Deflect's addition: the widget's wasm uses the compact `*_simple` packers (one loop for
//! every bit width) instead of the unrolled ones, while `deflect build` in release uses the
//! unrolled ones. Both must read and write exactly the same bytes, for every bit width and
//! every codec tantivy uses (plain, sorted, strictly sorted), or a pack built natively would
//! be misread in the browser. Upstream tests each variant only against itself.

use crate::tests::generate_array;
use crate::BitPacker;

/// Compresses `values` with `$a` and `$b`, compares the bytes, then decompresses each one's
/// bytes with the other.
macro_rules! same_bytes {
    ($a:expr, $b:expr, $block:expr) => {{
        let (a, b) = ($a, $b);
        for num_bits in 0u8..=32 {
            let plain = generate_array($block, num_bits);
            let mut sorted = plain.clone();
            let mut acc = 7u32;
            for v in sorted.iter_mut() {
                acc = acc.wrapping_add(*v >> 8);
                *v = acc;
            }
            let strictly: Vec<u32> = sorted
                .iter()
                .enumerate()
                .map(|(i, v)| v + i as u32 + 1)
                .collect();

            let w = a.num_bits(&plain);
            assert_eq!(w, b.num_bits(&plain), "num_bits, width {num_bits}");
            let (mut x, mut y) = (vec![0u8; 4 * $block], vec![0u8; 4 * $block]);
            let n = a.compress(&plain, &mut x, w);
            assert_eq!(n, b.compress(&plain, &mut y, w));
            assert_eq!(x[..n], y[..n], "compress, width {num_bits}");
            let (mut p, mut q) = (vec![0u32; $block], vec![0u32; $block]);
            assert_eq!(a.decompress(&y, &mut p, w), b.decompress(&x, &mut q, w));
            assert_eq!((&p, &q), (&plain, &plain), "decompress, width {num_bits}");

            let w = a.num_bits_sorted(7, &sorted);
            assert_eq!(w, b.num_bits_sorted(7, &sorted));
            let n = a.compress_sorted(7, &sorted, &mut x, w);
            assert_eq!(n, b.compress_sorted(7, &sorted, &mut y, w));
            assert_eq!(x[..n], y[..n], "compress_sorted, width {num_bits}");
            a.decompress_sorted(7, &y, &mut p, w);
            b.decompress_sorted(7, &x, &mut q, w);
            assert_eq!(
                (&p, &q),
                (&sorted, &sorted),
                "decompress_sorted, width {num_bits}"
            );

            let w = a.num_bits_strictly_sorted(Some(3), &strictly);
            assert_eq!(w, b.num_bits_strictly_sorted(Some(3), &strictly));
            let n = a.compress_strictly_sorted(Some(3), &strictly, &mut x, w);
            assert_eq!(n, b.compress_strictly_sorted(Some(3), &strictly, &mut y, w));
            assert_eq!(x[..n], y[..n], "compress_strictly_sorted, width {num_bits}");
            a.decompress_strictly_sorted(Some(3), &y, &mut p, w);
            b.decompress_strictly_sorted(Some(3), &x, &mut q, w);
            assert_eq!(
                (&p, &q),
                (&strictly, &strictly),
                "decompress_strictly_sorted, width {num_bits}"
            );
        }
    }};
}

#[test]
fn compact_4x_reads_and_writes_the_unrolled_4x_bytes() {
    same_bytes!(
        crate::bitpacker4x::BitPacker4x::new(),
        crate::bitpacker4x_simple::BitPacker4x::new(),
        128
    );
}

#[test]
fn compact_1x_reads_and_writes_the_unrolled_1x_bytes() {
    same_bytes!(
        crate::bitpacker1x::BitPacker1x::new(),
        crate::bitpacker1x_simple::BitPacker1x::new(),
        32
    );
}
