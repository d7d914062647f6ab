//! The self-help journey, shared by the widget (wasm32) and the collector (native).
//!
//! - [`wire`]: the versioned JSON contract: event batches, cases, their validation and
//!   their JSON Schemas (committed under `schemas/v1/`);
//! - [`journey`]: the state machine that turns what a customer does into events, a trail
//!   and exactly one outcome;
//! - [`policy`]: the vendor's support hours and response targets, and the reply
//!   expectation they imply at a given instant;
//! - [`zone`]: the support team's time zone from its POSIX rules, so the widget ships no
//!   time-zone database.

pub mod journey;
pub mod policy;
pub mod wire;
pub mod zone;

pub use journey::{Answer, Journey, QueryText, Step};
pub use policy::{Expectation, PolicyError, SupportPolicy, SupportSchedule};
pub use wire::{
    case_reference, Case, CaseContext, CaseReceipt, CustomerCategory, Event, EventBatch, EventKind,
    FeedbackReason, FieldError, JourneyOutcome, Trail, TrailArticle, Validate, VendorCategory,
    VendorClassification,
};
