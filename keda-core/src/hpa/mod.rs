//! The Kubernetes HPA decision math.
