//! Grove's web app: Leptos components over the `grove-core` engine.
//!
//! [`project`] holds what the user entered as plain data with every edit as a method,
//! and [`history`] the steps to undo and redo;
//! [`ui`] shows it and what the engine derives from it; [`browser`] talks to storage,
//! clipboard and files; [`viewport`] decides which rows of a long table are drawn, and
//! [`stage`] what the presentation view shows, [`settings_view`] the settings panel; [`jobs`] is the work done in a Web
//! Worker (reading RevMan reviews). No formula lives here.

pub mod browser;
pub mod explain_view;
pub mod gosh;
pub mod history;
pub mod jobs;
pub mod project;
pub mod rob_view;
pub mod settings_view;
pub mod sof_view;
pub mod stage;
pub mod tables;
pub mod ui;
pub mod viewport;
pub mod views;
pub mod whatif;

pub use ui::App;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
