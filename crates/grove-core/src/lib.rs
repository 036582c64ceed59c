//! Grove's engine: meta-analysis of randomised trials with a binary outcome.
//!
//! Pure Rust with no knowledge of the browser. Data flows one way:
//! pasted text ([`parse`]) → validated trials ([`table`]) → effect sizes ([`effect`]) →
//! pooled results ([`analysis`]) → forest-plot layout ([`forest`]).
//!
//! Vocabulary follows R's metafor in doc comments (`ai bi ci di n1i n2i yi vi tau2 QE I2
//! H2`) so that each formula can be compared with metafor line by line; Rust names are
//! plain words.

pub mod absolute;
pub mod analysis;
pub mod base64;
pub mod bias;
pub mod diagnostics;
pub mod dist;
pub mod effect;
pub mod explain;
pub mod format;
pub mod grade;
pub mod interpret;
pub mod mh;
pub mod parse;
pub mod peto;
pub mod plot;
pub mod png;
pub mod qr;
pub mod report;
pub mod review;
pub mod rma;
pub mod rob;
pub mod rscript;
pub mod sensitivity;
pub mod settings;
pub mod share;
pub mod sort;
pub mod subgroup;
pub mod table;
pub mod validate;

pub use plot::forest;
pub use settings::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, SettingsError, Tau2Estimator,
    ZeroCellCorrection,
};
pub use table::{Arm, Study, Table, TableError};

pub use analysis::{Analysis, StudyResult, analyze};
pub use effect::{EffectSize, Interval, NotEstimable};
pub use rma::{Fit, Heterogeneity, Model, Pooled, Prediction, Undefined};
