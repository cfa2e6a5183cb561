//! Request signing: pure functions, no I/O.
