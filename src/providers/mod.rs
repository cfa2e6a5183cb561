//! Cloud provider clients.
