//! VPC's rules: [`cidr`] (blocks, containment, overlap).

pub mod cidr;
