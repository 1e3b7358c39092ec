//! `extend enum`: the extensions that name no enumeration the file declares or imports. (Their
//! values are checked with the enumeration's own, in `declare`.)

use super::Checker;
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, did_you_mean, Diagnostic};
use std::collections::HashMap;

impl Checker<'_> {
    /// An error for each `extend enum` of an enumeration that is neither declared nor imported
    /// (`extensions`: those [`Self::declare_enums`] found no enumeration for), at the extension.
    pub(super) fn unknown_extensions(&mut self, mut extensions: HashMap<&str, Vec<&EnumValue>>) {
        let declared: Vec<String> = self
            .file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Enum(e) => Some(e.name.name.clone()),
                _ => None,
            })
            .collect();
        let items = self.file.items.iter();
        for x in items.filter_map(|i| match i {
            Item::ExtendEnum(x) => Some(x),
            _ => None,
        }) {
            // One error per enumeration, at its first extension.
            if extensions.remove(x.name.name.as_str()).is_none() {
                continue;
            }
            let name = &x.name.name;
            let (message, help) = if self.enum_index.contains_key(name) {
                (
                    format!("`{name}` is policyc's own enumeration of authorizations; it cannot be extended"),
                    "declare an enumeration of your own for the values".to_string(),
                )
            } else {
                let help = match did_you_mean(name, declared.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if declared.is_empty() => "`extend enum` adds values to an enumeration the policy imports or declares; this one has none: declare the enumeration with `enum`".to_string(),
                    None => format!("`extend enum` adds values to an enumeration the policy imports or declares: {}", declared.join(", ")),
                };
                (format!("`extend enum {name}` extends an enumeration that is not declared or imported"), help)
            };
            self.err(
                Diagnostic::error(
                    codes::UNKNOWN_EXTENDED_ENUM,
                    message,
                    x.name.span,
                    "no such enumeration",
                )
                .with_help(help),
            );
        }
    }
}
