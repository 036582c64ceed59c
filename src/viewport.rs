//! Which rows of a long table are drawn. The data table draws only the rows in its
//! scrolled view and a margin around them, with spacers standing in for the rest, so that
//! an outcome of 1,000 trials costs an edit as much as one of 50: the page holds some
//! sixty rows of inputs, not 7,000 inputs, and as few reactive subscriptions.
//!
//! Rows are all of one height (single-line inputs), so positions are arithmetic: row `i`
//! starts `header + i × row` pixels below the top of the scrolled content.
//!
//! The forest plot holds every element of the exported file, but the browser lays out only
//! the groups of shapes near the page's view ([`PlotView::near`]): laying out 7,000 texts
//! of a 1,000-trial plot costs more than everything else a paste does.

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
        // A box shorter than its header still shows the row under the header (where
        // `reveal` puts a row).
        let height = v.height.max(v.header + v.row);
        let first_seen = ((v.scroll_top - v.header).max(0.0) / v.row).floor() as usize;
        let last_seen = ((v.scroll_top + height - v.header).max(0.0) / v.row).ceil() as usize;
        let start = first_seen.saturating_sub(MARGIN).min(count);
        let end = last_seen.saturating_add(1 + MARGIN).min(count);
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

/// Plots of at most this many groups of shapes (some 2,000 shapes, 250 trials) are drawn
/// whole wherever the view is: they cost little to lay out, and all of them stays
/// findable with the browser's search.
pub const WHOLE_PLOT_GROUPS: usize = 128;

/// Where a plot is on the page, as last measured (CSS pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotView {
    /// How far the plot's top is above the top of the window (negative when below it).
    pub above: f64,
    /// The height of the window.
    pub height: f64,
    /// CSS pixels per plot unit (the plot is scaled to its box).
    pub scale: f64,
}

impl PlotView {
    /// For each group extent (top and bottom in plot units), whether it is within one
    /// window height of the view, and so drawn. Every group of a plot of at most
    /// [`WHOLE_PLOT_GROUPS`] is near, and so is every group when the measurements make no
    /// sense (a hidden plot).
    pub fn near(&self, extents: &[(f64, f64)]) -> Vec<bool> {
        let ok = extents.len() > WHOLE_PLOT_GROUPS
            && self.above.is_finite()
            && self.height > 0.0
            && self.scale > 0.0;
        let (top, bottom) = if ok {
            (
                (self.above - self.height) / self.scale,
                (self.above + 2.0 * self.height) / self.scale,
            )
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        extents
            .iter()
            .map(|&(a, b)| !(b < top || a > bottom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_groups_within_a_window_height_of_the_view_are_near() {
        // The plot's top is 1,000 px above the window, at half scale, in a 600 px window:
        // plot units 2,000 to 3,200 are in view, and 800 to 4,400 near.
        let view = PlotView {
            above: 1000.0,
            height: 600.0,
            scale: 0.5,
        };
        let some = [
            (0.0, 700.0),
            (0.0, 800.0),
            (790.0, 810.0),
            (2000.0, 2010.0),
            (4400.0, 4500.0),
            (4401.0, 4500.0),
            (0.0, 9000.0),
        ];
        // A long plot: these groups and many more far below.
        let extents: Vec<(f64, f64)> = some
            .iter()
            .copied()
            .chain((0..WHOLE_PLOT_GROUPS).map(|i| (9000.0 + i as f64, 9010.0 + i as f64)))
            .collect();
        let near = view.near(&extents);
        assert_eq!(near[..7], [false, true, true, true, true, false, true]);
        assert!(near[7..].iter().all(|n| !n));
        let hidden = PlotView { scale: 0.0, ..view };
        assert!(hidden.near(&extents).iter().all(|n| *n));
        // A short plot is drawn whole.
        assert!(view.near(&some).iter().all(|n| *n));
    }

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
