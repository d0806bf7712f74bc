//! recordlock
