//! The enumerated values of a configuration, with their wire spellings.

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal $(| $alias:literal)*,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in canonical order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The canonical wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The value spelled `s` (canonical spelling or an accepted alias).
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($wire $(| $alias)* => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The canonical spellings, for `supported_values` in errors.
            pub fn spellings() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }
    };
}

wire_enum! {
    /// `lock_type`.
    LockType {
        /// Users with the lock permission lock records by hand.
        Manual = "manual",
        /// Rules lock records when they match on create or update.
        Automatic = "automatic",
        /// Rules lock automatically and users may also lock and unlock by hand.
        Both = "both",
    }
}

wire_enum! {
    /// `locked_for`.
    LockedFor {
        /// Every profile.
        AllProfiles = "all_profiles",
        /// Every profile but `lock_excluded_profiles` (the singular spelling is accepted).
        AllProfilesExceptExcludedProfiles = "all_profiles_except_excluded_profiles" | "all_profiles_except_excluded_profile",
    }
}

wire_enum! {
    /// `restricted_actions`.
    RestrictedAction {
        /// Editing fields (always restricted).
        Update = "update",
        /// Deleting the record.
        Delete = "delete",
        /// Adding or removing tags.
        Tags = "tags",
        /// Changing the owner.
        ChangeOwner = "change_owner",
        /// Converting (leads, inventory).
        Convert = "convert",
    }
}

wire_enum! {
    /// `restricted_communications` (Zoho spells `send_survery`; `send_survey` is accepted).
    Communication {
        /// Sending email from the record.
        SendMail = "send_mail",
        /// Sending a survey.
        SendSurvey = "send_survery" | "send_survey",
        /// Inviting a portal user.
        SendPortalInvitation = "send_portal_invitation",
    }
}

impl LockType {
    /// Whether rules lock records automatically.
    pub fn is_automatic(self) -> bool {
        matches!(self, LockType::Automatic | LockType::Both)
    }

    /// Whether users may lock by hand.
    pub fn is_manual(self) -> bool {
        matches!(self, LockType::Manual | LockType::Both)
    }
}
