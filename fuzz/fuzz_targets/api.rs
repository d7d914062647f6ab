//! The collector's request decoding: `parse_json::<EventBatch>` and `parse_json::<Case>`
//! (the same validation the widget runs). No panic on any body; whatever is accepted
//! serializes and parses back to the same value, and its error names a field or the body.
#![no_main]

use deflect_journey::wire::parse_json;
use deflect_journey::{Case, EventBatch};
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(data: &[u8])
where
    T: serde::Serialize + serde::de::DeserializeOwned + deflect_journey::Validate + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = parse_json::<T>(data) {
        let again = serde_json::to_vec(&value).unwrap();
        let back = parse_json::<T>(&again).unwrap_or_else(|e| panic!("accepted value does not parse back: {e}"));
        assert_eq!(back, value);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<EventBatch>(data);
    round_trip::<Case>(data);
});
