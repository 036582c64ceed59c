//! Which rows of a long table are drawn. The data table draws only the rows in its
//! scrolled view and a margin around them, with spacers standing in for the rest, so that
//! an outcome of 1,000 trials costs an edit as much as one of 50: the page holds some
//! sixty rows of inputs, not 7,000 inputs, and as few reactive subscriptions.
//!
//! Rows are all of one height (single-line inputs), so positions are arithmetic: row `i`
//! starts `header + i × row` pixels below the top of the scrolled content.

use std::ops::Range;

/// Rows drawn beyond each edge of the view, so that scrolling by a page, Tab or Enter
/// always lands on a row that is already there.
pub const MARGIN: usize = 25;

/// The scrolled box of a table, as last measured (CSS pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// How far the box is scrolled down.
    pub scroll_top: f64,
    /// The height of the box's visible area.
    pub height: f64,
    /// The height of the sticky header, which covers the top of the visible area.
    pub header: f64,
    /// The height of one row.
    pub row: f64,
}

impl Default for Viewport {
    /// Estimates used until the table is measured: the box's largest height (28rem) and
    /// the rows' height at the default font size.
    fn default() -> Viewport {
        Viewport {
            scroll_top: 0.0,
            height: 448.0,
            header: 52.0,
            row: 30.0,
        }
    }
}

/// The rows to draw and the space the others take.
#[derive(Debug, Clone, PartialEq)]
pub struct RowWindow {
    /// Indices of the rows drawn.
    pub rows: Range<usize>,
    /// Height standing in for the rows above.
    pub above: f64,
    /// Height standing in for the rows below.
    pub below: f64,
}

impl Viewport {
    /// The same box with measurements that make no sense (a table not yet laid out, a
    /// hidden panel) replaced by the estimates.
    pub fn checked(self) -> Viewport {
        let d = Viewport::default();
        let ok = |x: f64, min: f64| x.is_finite() && x >= min;
        Viewport {
            scroll_top: if ok(self.scroll_top, 0.0) {
                self.scroll_top
            } else {
                0.0
            },
            height: if ok(self.height, 1.0) {
                self.height
            } else {
                d.height
            },
            header: if ok(self.header, 0.0) {
                self.header
            } else {
                d.header
            },
            row: if ok(self.row, 1.0) { self.row } else { d.row },
        }
    }

    /// The rows of a table of `count` rows to draw: those in view and [`MARGIN`] more on
    /// each side.
    pub fn window(self, count: usize) -> RowWindow {
        let v = self.checked();
        let first_seen = ((v.scroll_top - v.header).max(0.0) / v.row).floor() as usize;
        let seen = (v.height / v.row).ceil() as usize + 1;
        let start = first_seen.saturating_sub(MARGIN).min(count);
        let end = first_seen
            .saturating_add(seen)
            .saturating_add(MARGIN)
            .min(count);
        RowWindow {
            rows: start..end,
            above: start as f64 * v.row,
            below: (count - end) as f64 * v.row,
        }
    }

    /// Where to scroll so that row `i` is entirely in view below the header, or `None`
    /// when it already is.
    pub fn reveal(self, i: usize) -> Option<f64> {
        let v = self.checked();
        let top = v.header + i as f64 * v.row;
        if top < v.scroll_top + v.header {
            Some(i as f64 * v.row)
        } else if top + v.row > v.scroll_top + v.height {
            Some(top + v.row - v.height)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_table_is_drawn_whole() {
        let w = Viewport::default().window(20);
        assert_eq!(w.rows, 0..20);
        assert_eq!((w.above, w.below), (0.0, 0.0));
    }

    #[test]
    fn a_long_table_draws_the_rows_in_view_and_a_margin() {
        let v = Viewport {
            scroll_top: 52.0 + 500.0 * 30.0,
            height: 450.0,
            header: 52.0,
            row: 30.0,
        };
        let w = v.window(1000);
        // Rows 500..516 are in view.
        assert_eq!(w.rows, 500 - MARGIN..500 + 16 + MARGIN);
        assert_eq!(w.above, (500 - MARGIN) as f64 * 30.0);
        assert_eq!(w.below, (1000 - 500 - 16 - MARGIN) as f64 * 30.0);
    }

    #[test]
    fn nonsense_measurements_fall_back_to_estimates() {
        let v = Viewport {
            scroll_top: f64::NAN,
            height: 0.0,
            header: -3.0,
            row: f64::INFINITY,
        };
        assert_eq!(v.checked(), Viewport::default());
        assert_eq!(v.window(1000).rows.start, 0);
    }

    #[test]
    fn reveal_scrolls_only_when_needed() {
        let v = Viewport {
            scroll_top: 3000.0,
            ..Viewport::default()
        };
        // Row 100 starts at 52 + 3000: just under the header, in view.
        assert_eq!(v.reveal(100), None);
        assert_eq!(v.reveal(99), Some(2970.0));
        // The last row wholly in view ends at 3000 + 448.
        assert_eq!(v.reveal(112), None);
        assert_eq!(v.reveal(113), Some(52.0 + 114.0 * 30.0 - 448.0));
    }

    /// Property tests run natively (proptest is not built for WebAssembly).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// The drawn rows and the spacers always add up to the whole table, the rows in
            /// view are drawn, and a revealed row is in view afterwards.
            #[test]
            fn windows_cover_the_view(
                count in 0usize..5000,
                scroll in 0.0f64..200_000.0,
                height in 1.0f64..3000.0,
                header in 0.0f64..200.0,
                row in 1.0f64..80.0,
                target in 0usize..5000,
            ) {
                let max_scroll = (header + count as f64 * row - height).max(0.0);
                let v = Viewport { scroll_top: scroll.min(max_scroll), height, header, row };
                let w = v.window(count);
                prop_assert!(w.rows.start <= w.rows.end && w.rows.end <= count);
                let total = w.above + (w.rows.len() as f64) * row + w.below;
                prop_assert!((total - count as f64 * row).abs() < 1e-6 * (1.0 + total));
                for i in 0..count {
                    let top = header + i as f64 * row;
                    let in_view = top + row > v.scroll_top + header && top < v.scroll_top + height;
                    if in_view {
                        prop_assert!(w.rows.contains(&i), "row {i} in view but not drawn: {w:?}");
                    }
                }
                if target < count {
                    let revealed = Viewport { scroll_top: v.reveal(target).unwrap_or(v.scroll_top), ..v };
                    let top = header + target as f64 * row;
                    if row <= height - header {
                        prop_assert!(top >= revealed.scroll_top + header - 1e-6);
                        prop_assert!(top + row <= revealed.scroll_top + height + 1e-6);
                    }
                    prop_assert!(revealed.window(count).rows.contains(&target));
                }
            }
        }
    }
}
