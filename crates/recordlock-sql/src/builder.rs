//! Statement text and its parameters, built together so every constant becomes `$n`.

use crate::param::Param;

/// A statement under construction.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    params: Vec<Param>,
}

impl Builder {
    /// Adds `param`; returns its reference with the cast the server types it by:
    /// `$3::text[]`.
    pub(crate) fn bind(&mut self, param: Param) -> String {
        let ty = param.sql_type();
        self.params.push(param);
        format!("${}::{ty}", self.params.len())
    }

    /// The parameters, in `$n` order.
    pub(crate) fn into_params(self) -> Vec<Param> {
        self.params
    }
}
