//! A shape's plan: what the walk captured of a line (`Captured`), turned into where a line
//! of that shape keeps each field (`Plan`), so a later line of the shape is read by
//! position. Shared by the walk (`fast`) and the shapes (`shape`), below both.

use super::lex::{ErrorField, Raw, Response, Value};

/// Keys looked up per envelope field; more go to the exact path.
pub const MAX_KEYS: usize = 8;

pub(super) const TIME: usize = 0;

pub(super) const ACTION: usize = 1;

pub(super) const SERVICE: usize = 2;

pub(super) const REGION: usize = 3;

pub(super) const LATENCY: usize = 4;

/// What a walk captures in one line, as ranges of its text.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Captured {
    pub(super) response: Option<Option<Response>>,
    pub(super) envelope: Option<Response>,
    /// Envelope field values; slot `list * MAX_KEYS + at` is valid when its bit in
    /// `filled` is set (cheaper than clearing the array for every line).
    pub(super) fields: [[Raw; MAX_KEYS]; 5],
    pub(super) filled: u64,
    pub(super) audit: [Raw; 7],
}

impl Captured {
    /// The values captured for one field list, in priority order.
    pub(super) fn field_values(&self, list: usize) -> impl Iterator<Item = Raw> + '_ {
        let mut filled = (self.filled >> (list * MAX_KEYS)) & ((1 << MAX_KEYS) - 1);
        std::iter::from_fn(move || {
            let at = filled.trailing_zeros() as usize;
            filled &= filled.wrapping_sub(1);
            (at < MAX_KEYS).then(|| self.fields[list][at])
        })
    }

    /// The plan `Fast::resolve` would follow for a line that captured this, with each
    /// captured string or number read from a hole: `hole` names it. `None` when a value
    /// cannot be planned (not in a hole, or a string with escapes).
    pub(super) fn plan(&self, hole: impl Fn(Raw) -> Option<u16>) -> Option<Plan> {
        let src = |raw: Raw| -> Option<Src> {
            Some(match raw.view() {
                Value::Str(_, _, true) => return None,
                Value::Str(..) => Src::Str(hole(raw)?),
                Value::Num(..) => Src::Num(hole(raw)?),
                Value::Absent | Value::Other => Src::None,
            })
        };
        // What `get` reads: a string (never escaped here), or nothing.
        let string = |raw: Raw| -> Option<Option<u16>> {
            Some(match src(raw)? {
                Src::Str(h) => Some(h),
                _ => None,
            })
        };
        let response = match (self.response, self.envelope) {
            (Some(Some(r)), _) | (None, Some(r)) => Some(r),
            _ => None,
        };
        let mut plan = Plan::default();
        if response.is_none() && (self.audit[0] == Raw::ABSENT || self.audit[1] == Raw::ABSENT) {
            return Some(plan);
        }
        let audit = match response {
            Some(r) => {
                plan.request_id = string(r.request_id)?;
                plan.line = PlanLine::Response(match r.error {
                    ErrorField::Absent => ErrorPlan::Absent,
                    ErrorField::NotObject => ErrorPlan::NotObject,
                    ErrorField::Object { code, message } => {
                        plan.message = string(message)?;
                        ErrorPlan::Object(string(code)?)
                    }
                });
                false
            }
            None => {
                plan.line = PlanLine::Audit(src(self.audit[1])?);
                plan.message = string(self.audit[2])?;
                plan.request_id = string(self.audit[3])?;
                true
            }
        };
        let list = |list: usize| -> Option<Vec<Src>> {
            let values: Option<Vec<Src>> = self.field_values(list).map(src).collect();
            Some(values?.into_iter().filter(|s| *s != Src::None).collect())
        };
        plan.time = list(TIME)?;
        plan.latency = list(LATENCY)?
            .into_iter()
            .filter(|s| matches!(s, Src::Num(_)))
            .collect();
        for (i, field) in [ACTION, SERVICE, REGION].into_iter().enumerate() {
            let first = list(field)?.into_iter().find_map(|s| match s {
                Src::Str(h) => Some(h),
                _ => None,
            });
            plan.fields[i] = match audit {
                true => string(self.audit[4 + i])?.or(first),
                false => first,
            };
        }
        Some(plan)
    }
}

/// Where a planned value is: a string or a number in a hole (by its number), or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Src {
    #[default]
    None,
    Str(u16),
    Num(u16),
}

/// What kind of line a plan makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum PlanLine {
    /// No response and no audit event.
    #[default]
    Skipped,
    Response(ErrorPlan),
    /// A CloudAudit event, with its `apiErrorCode`.
    Audit(Src),
}

/// A response's `Error`: absent, not an object, or an object with this code string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ErrorPlan {
    Absent,
    NotObject,
    Object(Option<u16>),
}

/// `Fast::resolve` worked out ahead for one shape of line (`shape`): everything it decides
/// from which values a line has and of what kind, leaving only what it decides from their
/// text (an empty code, a time or a number that does not parse).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Plan {
    pub(super) line: PlanLine,
    pub(super) request_id: Option<u16>,
    pub(super) message: Option<u16>,
    /// The time keys' values in priority order (strings and numbers only).
    pub(super) time: Vec<Src>,
    /// Action, service and region: the string each takes.
    pub(super) fields: [Option<u16>; 3],
    /// The latency keys' numbers in priority order.
    pub(super) latency: Vec<Src>,
}
