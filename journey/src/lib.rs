//! The self-help journey, in the widget (wasm32) and in native tools.
//!
//! - [`wire`] (the `deflect-wire` crate, re-exported): the versioned JSON contract —
//!   event batches, cases, their validation and JSON Schemas (committed under
//!   `schemas/v1/`), and [`case_text`], a case as plain text; the collector depends on it
//!   alone;
//! - [`journey`]: the state machine that turns what a customer does into events, a trail
//!   and exactly one outcome;
//! - [`policy`]: the vendor's support hours and response targets, and the reply
//!   expectation they imply at a given instant;
//! - [`zone`]: the support team's time zone from its POSIX rules, so the widget ships no
//!   time-zone database.

pub mod journey;
pub mod policy;
pub mod zone;

pub use deflect_wire as wire;
pub use deflect_wire::case_text;

pub use journey::{Answer, CurrentJourney, Journey, QueryText, Step};
pub use policy::{Expectation, PolicyError, SupportPolicy, SupportSchedule};
pub use wire::{
    case_reference, Case, CaseContext, CaseReceipt, CustomerCategory, Event, EventBatch, EventKind,
    FeedbackReason, FieldError, JourneyOutcome, Trail, TrailArticle, Validate, VendorCategory,
    VendorClassification,
};
