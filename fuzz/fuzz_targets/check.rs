//! A whole run: up to four migrations (split at NUL bytes) read, parsed, analysed in
//! order and rendered in every format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    schemaguard::fuzzing::check(data);
});
