//! torch's function signatures as data: `"sum(int[1]? dim=None, bool keepdim=False, *,
//! ScalarType? dtype=None)"` parsed once into parameters that the binding layer matches Python
//! arguments against (the grammar of torch's `native_functions.yaml` and python_arg_parser).

use super::Value;
use crate::error::{Error, Result};

/// What an argument must be. The names are torch's, so a signature reads as torch documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `Tensor`
    Tensor,
    /// `Tensor|Number`: a tensor, or a Python number taken as a wrapped scalar (torch's
    /// `(Tensor other)` / `(Scalar other)` overload pair of the arithmetic ops).
    Operand,
    /// `int`: a Python int (not a bool), a NumPy integer, or a 0-d integer tensor.
    Int,
    /// `float`: a Python number or a 0-d tensor without grad.
    Float,
    /// `Scalar`: as `float`, keeping the number's kind (bool, int or float).
    Scalar,
    /// `bool`: a Python bool (or NumPy bool) only.
    Bool,
    /// `int[]`, `int[N]` (a single int is repeated N times), `int[1]` (a dim or a list of dims).
    IntList(Option<usize>),
    /// `ScalarType`: a dtype (or Python's `float`, `int`, `bool`, as torch maps them).
    DType,
    /// `Device`: a device, a device string, or None.
    Device,
    /// `str`
    Str,
    /// `Tensor[]`: a sequence of tensors.
    TensorList,
    /// `Generator`: a `ferrograd.Generator`.
    Generator,
    /// `MemoryFormat`: taken and ignored (ferrograd has one memory format).
    MemoryFormat,
    /// `object`: any Python object, passed on unchecked.
    Any,
    /// `truth`: any Python object, read by its truth value, as torch's Python-level functions
    /// read their flags (`F.relu(x, inplace=1)`).
    Truth,
}

impl Ty {
    fn parse(s: &str) -> Option<Ty> {
        Some(match s {
            "Tensor" => Ty::Tensor,
            "Tensor|Number" => Ty::Operand,
            "int" | "SymInt" => Ty::Int,
            "float" => Ty::Float,
            "Scalar" | "Number" => Ty::Scalar,
            "bool" => Ty::Bool,
            "ScalarType" => Ty::DType,
            "Device" => Ty::Device,
            "str" => Ty::Str,
            "Tensor[]" => Ty::TensorList,
            "Generator" => Ty::Generator,
            "MemoryFormat" => Ty::MemoryFormat,
            "object" => Ty::Any,
            "truth" => Ty::Truth,
            _ => {
                let n = s.strip_prefix("int[")?.strip_suffix(']')?;
                Ty::IntList(if n.is_empty() { None } else { Some(n.parse().ok()?) })
            }
        })
    }

    /// How torch's messages name the type ("must be int, not str").
    pub fn name(self) -> &'static str {
        match self {
            Ty::Tensor => "Tensor",
            Ty::Operand => "Tensor or Number",
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Scalar => "Number",
            Ty::Bool | Ty::Truth => "bool",
            Ty::IntList(_) => "tuple of ints",
            Ty::DType => "torch.dtype",
            Ty::Device => "torch.device",
            Ty::Str => "str",
            Ty::TensorList => "tuple of Tensors",
            Ty::Generator => "torch.Generator",
            Ty::MemoryFormat => "torch.memory_format",
            Ty::Any => "object",
        }
    }
}

/// A parameter's default, as written after `=`.
#[derive(Clone, Debug, PartialEq)]
pub enum Default {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Ints(Vec<i64>),
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
    /// `Ty?`: None is accepted (and means "not given").
    pub optional: bool,
    /// None: the argument is required.
    pub default: Option<Default>,
    /// After `*`: keyword only.
    pub kw_only: bool,
    /// `int... size`: an int list that also takes its ints as varargs (`view(2, 3)` as well as
    /// `view((2, 3))`), as torch's parser allows for the first list parameter.
    pub varargs: bool,
}

/// One signature of a function.
#[derive(Clone, Debug)]
pub struct Signature {
    pub name: String,
    pub params: Vec<Param>,
}

impl Signature {
    /// Parses `name(Type name=default, ..., *, Type name=default)`. A malformed signature is a
    /// bug in ferrograd, reported as an internal error naming it.
    pub fn parse(spec: &str) -> Result<Signature> {
        let bad = |why: &str| Error::Argument(format!("internal error: signature {spec:?}: {why}"));
        let open = spec.find('(').ok_or_else(|| bad("no '('"))?;
        let body = spec[open + 1..].strip_suffix(')').ok_or_else(|| bad("no closing ')'"))?;
        let name = spec[..open].trim().to_string();
        let mut params = Vec::new();
        let mut kw_only = false;
        for part in split_top(body) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part == "*" {
                kw_only = true;
                continue;
            }
            let (decl, default) = match part.split_once('=') {
                Some((d, v)) => (d.trim(), Some(parse_default(v.trim()).ok_or_else(|| bad(part))?)),
                None => (part, None),
            };
            let (ty, pname) = decl.rsplit_once(' ').ok_or_else(|| bad(part))?;
            let ty = ty.trim();
            let (ty, optional) = match ty.strip_suffix('?') {
                Some(t) => (t, true),
                None => (ty, false),
            };
            let varargs = ty == "int...";
            let ty = if varargs {
                Ty::IntList(None)
            } else {
                Ty::parse(ty).ok_or_else(|| bad(&format!("unknown type in {part:?}")))?
            };
            params.push(Param { name: pname.to_string(), ty, optional, default, kw_only, varargs });
        }
        Ok(Signature { name, params })
    }

    /// A row's signatures (its overloads), parsed once.
    pub fn parse_all(specs: &[&str]) -> Result<Vec<Signature>> {
        specs.iter().map(|s| Signature::parse(s)).collect()
    }

    /// How many positional arguments it takes, at least and at most.
    pub fn positional_range(&self) -> (usize, usize) {
        let pos: Vec<&Param> = self.params.iter().filter(|p| !p.kw_only).collect();
        (pos.iter().filter(|p| p.default.is_none()).count(), pos.len())
    }
}

impl Param {
    /// The value of a parameter not given: its default (`int[2] stride=1` is `[1, 1]`, as a
    /// given int is), or `Value::None`.
    pub fn default_value(&self) -> Value {
        match &self.default {
            None | Some(Default::None) => Value::None,
            Some(Default::Bool(b)) => Value::Bool(*b),
            Some(Default::Int(i)) => match self.ty {
                Ty::IntList(Some(n)) => Value::Ints(vec![*i; n]),
                _ => Value::Int(*i),
            },
            Some(Default::Float(f)) => Value::Float(*f),
            Some(Default::Str(s)) => Value::Str(s.clone()),
            Some(Default::Ints(v)) => Value::Ints(v.clone()),
        }
    }

    /// Whether an explicit None is this parameter's value (not a wrong type).
    pub fn takes_none(&self) -> bool {
        self.optional || self.default == Some(Default::None) || self.ty == Ty::Any || self.ty == Ty::Truth
    }
}

/// Why a signature did not match a call. Kept as data: trying an overload that does not match
/// is the common case (`view(2, 3)` tries `view(dtype)` first), and a formatted exception would
/// cost more than the call; the message is made only for the error finally raised. `O` is the
/// front end's argument object, `E` its error.
pub enum Fail<O, E> {
    TooMany(usize),
    Unexpected(String),
    Multiple(String),
    Missing(usize),
    /// Parameter `i` cannot take this object.
    Type(usize, O),
    /// An error that stands whatever the overloads (a tensor being modified, a bad device).
    Raise(E),
}

impl<O, E> Fail<O, E> {
    /// torch's TypeError message for the failure (`Err` for `Raise`). `method`: the call had a
    /// receiver, and a signature taking nothing else fails as Python's own method without
    /// parameters does (`Tensor.sin() takes no arguments (1 given)`, as torch's C methods).
    pub fn message(
        self,
        sig: &Signature,
        method: bool,
        type_name: impl Fn(&O) -> String,
    ) -> std::result::Result<String, E> {
        let name = &sig.name;
        let bare = method && sig.params.len() == 1;
        Ok(match self {
            Fail::Raise(e) => return Err(e),
            Fail::TooMany(n) if bare => format!("Tensor.{name}() takes no arguments ({} given)", n - 1),
            Fail::Unexpected(_) if bare => format!("Tensor.{name}() takes no keyword arguments"),
            Fail::TooMany(n) => {
                let (lo, hi) = sig.positional_range();
                let range = if lo == hi { format!("{hi}") } else { format!("from {lo} to {hi}") };
                let s = if lo == hi && hi == 1 { "" } else { "s" };
                format!("{name}() takes {range} positional argument{s} but {n} were given")
            }
            Fail::Unexpected(k) => format!("{name}() got an unexpected keyword argument '{k}'"),
            Fail::Multiple(k) => format!("{name}() got multiple values for argument '{k}'"),
            Fail::Missing(i) => {
                format!("{name}() missing 1 required positional arguments: \"{}\"", sig.params[i].name)
            }
            Fail::Type(i, obj) => {
                let p = &sig.params[i];
                let pos = if p.kw_only { String::new() } else { format!(" (position {})", i + 1) };
                format!(
                    "{name}(): argument '{}'{pos} must be {}, not {}",
                    p.name,
                    p.ty.name(),
                    type_name(&obj)
                )
            }
        })
    }
}

/// torch's TypeError for arguments that match none of the overloads; `got` names the
/// arguments' types (keywords as `name=type`).
pub fn invalid_combination(sigs: &[Signature], got: &[String]) -> String {
    let expected: Vec<String> = sigs
        .iter()
        .map(|s| {
            let ps: Vec<String> = s.params.iter().map(|p| format!("{} {}", p.ty.name(), p.name)).collect();
            format!(" * ({})", ps.join(", "))
        })
        .collect();
    format!(
        "{}() received an invalid combination of arguments - got ({}), but expected one of:\n{}",
        sigs[0].name,
        got.join(", "),
        expected.join("\n")
    )
}

/// Splits at the commas outside brackets (`int[2] x=[1, 1]` is one parameter).
fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_default(v: &str) -> Option<Default> {
    Some(match v {
        "None" => Default::None,
        "True" => Default::Bool(true),
        "False" => Default::Bool(false),
        _ if (v.starts_with('[') && v.ends_with(']')) || (v.starts_with('(') && v.ends_with(')')) => {
            let inner = &v[1..v.len() - 1];
            let ints = inner.split(',').map(str::trim).filter(|s| !s.is_empty());
            Default::Ints(ints.map(|s| s.parse().ok()).collect::<Option<_>>()?)
        }
        // a negative number as `stringify!` spells an expression: `- 1.0`
        _ if v.starts_with("- ") => return parse_default(&v.replacen("- ", "-", 1)),
        _ if v.len() >= 2 && (v.starts_with('"') || v.starts_with('\'')) => {
            Default::Str(v[1..v.len() - 1].to_string())
        }
        _ => match v.parse::<i64>() {
            Ok(i) => Default::Int(i),
            Err(_) => Default::Float(v.parse().ok()?),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types_defaults_and_keyword_only_params() {
        let s =
            Signature::parse("sum(int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)").unwrap();
        assert_eq!(s.name, "sum");
        assert_eq!(s.params.len(), 3);
        assert_eq!(s.params[0].ty, Ty::IntList(Some(1)));
        assert!(s.params[0].optional);
        assert_eq!(s.params[1].default, Some(Default::Bool(false)));
        assert!(s.params[2].kw_only && !s.params[1].kw_only);
        assert_eq!(s.positional_range(), (0, 2));
        assert!(!s.params[0].varargs);
    }

    #[test]
    fn list_defaults_and_varargs_lists() {
        let s = Signature::parse("f(Tensor input, int[2] stride=[1, 1], float eps=1e-5, str mode='mean')")
            .unwrap();
        assert_eq!(s.params[1].default, Some(Default::Ints(vec![1, 1])));
        assert_eq!(s.params[2].default, Some(Default::Float(1e-5)));
        assert_eq!(s.params[3].default, Some(Default::Str("mean".into())));
        let s = Signature::parse("hardtanh(Tensor input, float min_val=- 1.0, truth inplace=False)").unwrap();
        assert_eq!(s.params[1].default, Some(Default::Float(-1.0)));
        assert_eq!(s.params[2].ty, Ty::Truth);
        let view = Signature::parse("view(Tensor self, int... size)").unwrap();
        assert!(view.params[1].varargs && view.params[1].ty == Ty::IntList(None));
    }

    #[test]
    fn malformed_signatures_are_internal_errors() {
        assert!(Signature::parse("f(Tensr x)").is_err());
        assert!(Signature::parse("f(int x").is_err());
        assert!(Signature::parse("f(int x=[1,)").is_err());
    }
}
