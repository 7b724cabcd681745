//! Exit codes (documented in README.md), shared by the commands that end a run: the CLI,
//! `diff` and `trace` return them without depending on `cli`.

/// Nothing at or above `--fail-on`.
pub const CLEAN: i32 = 0;
/// Findings at or above `--fail-on`.
pub const FINDINGS: i32 = 1;
/// Usage, configuration, input or internal error.
pub const ERROR: i32 = 2;
/// The reader of standard output went away (`schemaguard rules | head -1`): what a
/// shell reports for a program ended by SIGPIPE (128 + 13), without a message.
pub const BROKEN_PIPE: i32 = 141;
