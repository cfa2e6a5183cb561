//! The built-in cloud emulator.
