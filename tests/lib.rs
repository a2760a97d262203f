//! Shared helpers for the test runners.
