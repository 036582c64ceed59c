//! One stable sort shared by the engine and the page.
//!
//! Each `sort_by_key` with a closure of its own is a copy of the standard library's sort
//! in the WebAssembly (some 4 KB each). [`by_key`] sorts positions with one non-generic
//! sort and then moves the elements into place, so every caller shares one copy. The
//! result is exactly that of `slice::sort_by_key`: a stable sort has one possible result.

use std::cmp::Ordering;

/// Sorts `v` by `key`, stably: elements with equal keys keep their order.
pub fn by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    let order = {
        let items: &[T] = v;
        positions(items.len(), &|a, b| key(&items[a]).cmp(&key(&items[b])))
    };
    permute(&order, &mut |a, b| v.swap(a, b));
}

/// The positions `0..n` in stable sorted order.
#[inline(never)]
fn positions(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Moves the element at `order[i]` to `i` for every `i`, cycle by cycle, with `swap`.
#[inline(never)]
fn permute(order: &[usize], swap: &mut dyn FnMut(usize, usize)) {
    let mut placed = vec![false; order.len()];
    for start in 0..order.len() {
        let mut at = start;
        while !placed[at] {
            placed[at] = true;
            let from = order[at];
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_as_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, any::<u32>()), 0..200)) {
            let mut ours = v.clone();
            by_key(&mut ours, |&(k, _)| k);
            let mut std = v;
            std.sort_by_key(|&(k, _)| k);
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn empty_and_single() {
        let mut e: Vec<u8> = Vec::new();
        by_key(&mut e, |&x| x);
        assert!(e.is_empty());
        let mut one = vec![3];
        by_key(&mut one, |&x| x);
        assert_eq!(one, [3]);
    }
}
