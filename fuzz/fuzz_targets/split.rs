//! The splitter and the parser on arbitrary text (fast: many executions per second).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    schemaguard::fuzzing::split_and_parse(data);
});
