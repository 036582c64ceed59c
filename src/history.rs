//! Undo and redo for every change to the project, as plain data: the page records each
//! edit here ([`History::record`]) and asks it to step back or forth. Typing in one
//! field makes one step, not one per key.

use crate::project::Project;

/// How many steps are kept; older ones are forgotten.
pub const DEPTH: usize = 200;

/// What an edit changed, so that consecutive keystrokes in one field make one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Typing in one cell of the data table (outcome, row, column name).
    Cell(usize, usize, &'static str),
    /// Typing in the paste area of an outcome.
    Paste(usize),
    /// Typing in a text field of an outcome's settings or name (outcome, field).
    Text(usize, &'static str),
    /// Anything else: each is a step of its own (a row added or moved, a setting
    /// chosen, an outcome added or removed, a file or example opened).
    Step,
}

impl Edit {
    /// Whether a following edit of the same kind joins this step.
    fn joins(&self, next: &Edit) -> bool {
        self == next && *self != Edit::Step
    }
}

/// The projects before each recorded edit, and those undone.
#[derive(Debug, Clone, Default)]
pub struct History {
    past: Vec<Project>,
    future: Vec<Project>,
    /// The kind of the last recorded edit, while it may still grow.
    open: Option<Edit>,
}

impl History {
    /// Records that `before` was changed by `edit`. A run of keystrokes in one field
    /// stays one step; any edit forgets what was undone.
    pub fn record(&mut self, before: Project, edit: Edit) {
        self.future.clear();
        if self.open.as_ref().is_some_and(|open| open.joins(&edit)) {
            return;
        }
        self.past.push(before);
        if self.past.len() > DEPTH {
            self.past.remove(0);
        }
        self.open = Some(edit);
    }

    /// Whether an edit of this kind starts a new step, so that the project before it must
    /// be kept; a keystroke continuing the step under way needs no copy of the project.
    pub fn starts_step(&self, edit: &Edit) -> bool {
        !self.open.as_ref().is_some_and(|open| open.joins(edit))
    }

    /// Ends the step under way, so that the next keystroke starts a new one (when the
    /// field loses focus, for example).
    pub fn close_step(&mut self) {
        self.open = None;
    }

    /// Steps back: `current` becomes the project before the last step. Returns whether
    /// there was one.
    pub fn undo(&mut self, current: &mut Project) -> bool {
        let Some(before) = self.past.pop() else {
            return false;
        };
        self.future.push(std::mem::replace(current, before));
        self.open = None;
        true
    }

    /// Steps forth again after [`History::undo`]. Returns whether there was a step.
    pub fn redo(&mut self, current: &mut Project) -> bool {
        let Some(after) = self.future.pop() else {
            return false;
        };
        self.past.push(std::mem::replace(current, after));
        self.open = None;
        true
    }

    /// Whether there is a step to undo.
    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    /// Whether there is a step to redo.
    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Example;
    use grove_core::parse::Column;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Applies `f` to `p` as the page does: keeping the project before it when the edit
    /// starts a step.
    fn edit(h: &mut History, p: &mut Project, e: Edit, f: impl FnOnce(&mut Project)) {
        if h.starts_step(&e) {
            h.record(p.clone(), e);
        }
        f(p);
    }

    #[test]
    fn every_destructive_edit_can_be_undone_and_redone() {
        let mut h = History::default();
        let mut p = Project::default();
        let original = p.clone();
        edit(&mut h, &mut p, Edit::Step, |p| p.active_mut().delete_row(0));
        edit(&mut h, &mut p, Edit::Step, |p| p.add_outcome());
        edit(&mut h, &mut p, Edit::Step, |p| p.remove_outcome(0));
        edit(&mut h, &mut p, Edit::Step, |p| {
            p.active_mut().apply_revman5()
        });
        let last = p.clone();
        for _ in 0..4 {
            assert!(h.undo(&mut p));
        }
        assert_eq!(p, original);
        assert!(!h.undo(&mut p), "nothing more to undo");
        for _ in 0..4 {
            assert!(h.redo(&mut p));
        }
        assert_eq!(p, last);
        assert!(!h.can_redo());
    }

    #[test]
    fn typing_in_one_cell_is_one_step_and_a_new_edit_forgets_the_redo() {
        let mut h = History::default();
        let mut p = Project::default();
        let original = p.clone();
        for text in ["1", "12", "123"] {
            edit(&mut h, &mut p, Edit::Cell(0, 0, "e1"), |p| {
                p.active_mut()
                    .set_cell(0, Column::ExperimentalEvents, text.to_owned())
            });
        }
        edit(&mut h, &mut p, Edit::Cell(0, 1, "e1"), |p| {
            p.active_mut()
                .set_cell(1, Column::ExperimentalEvents, "7".to_owned())
        });
        assert!(h.undo(&mut p));
        assert_eq!(
            p.active().rows[0].e1,
            "123",
            "the other cell's step is undone"
        );
        assert!(h.undo(&mut p));
        assert_eq!(p, original, "three keystrokes, one step");
        assert!(h.redo(&mut p));
        edit(&mut h, &mut p, Edit::Step, |p| {
            p.load_example(Example::ZeroCells)
        });
        assert!(!h.can_redo());
        // After a pause (focus left the field), typing on makes a new step.
        let mut h = History::default();
        edit(&mut h, &mut p, Edit::Text(0, "name"), |p| {
            p.active_mut().name = "A".into()
        });
        h.close_step();
        edit(&mut h, &mut p, Edit::Text(0, "name"), |p| {
            p.active_mut().name = "AB".into()
        });
        assert!(h.undo(&mut p));
        assert_eq!(p.active().name, "A");
    }

    #[test]
    fn the_history_is_bounded() {
        let mut h = History::default();
        let mut p = Project::default();
        for i in 0..DEPTH + 50 {
            edit(&mut h, &mut p, Edit::Step, |p| {
                p.active_mut().name = i.to_string()
            });
        }
        let mut steps = 0;
        while h.undo(&mut p) {
            steps += 1;
        }
        assert_eq!(steps, DEPTH);
    }
}
