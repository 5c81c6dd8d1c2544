//! Process exit statuses: the numeric contract scripts and cron jobs rely on.

use std::process::ExitCode;

/// How an `rpc` invocation ended. The numbers are part of the CLI contract (README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command succeeded; a policy check passed.
    Success,
    /// A policy check failed: the job must not run. Also an invalid policy document.
    PolicyFail,
    /// Usage or configuration error, found before contacting anything.
    Usage,
    /// Could not decide: an external service failed or rejected us.
    External,
    /// Some of the work succeeded and some failed; details are in the output.
    Partial,
    /// Interrupted by a signal.
    Interrupted,
}

impl ExitStatus {
    /// The numeric exit code.
    pub const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::PolicyFail => 1,
            Self::Usage => 2,
            Self::External => 3,
            Self::Partial => 4,
            Self::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn codes_match_the_contract() {
        let all = [
            (ExitStatus::Success, 0),
            (ExitStatus::PolicyFail, 1),
            (ExitStatus::Usage, 2),
            (ExitStatus::External, 3),
            (ExitStatus::Partial, 4),
            (ExitStatus::Interrupted, 130),
        ];
        for (status, code) in all {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }
}
