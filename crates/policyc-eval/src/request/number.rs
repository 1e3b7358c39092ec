//! Numbers as a request writes them, read exactly or refused.
//!
//! The grammar (for JSON numbers and for numbers inside strings alike): an optional `-`, an
//! integer part of plain digits or of digits separated into thousands by commas (`600,000`: a first
//! group of one to three digits not starting with 0, then groups of exactly three), an optional
//! fraction `.` digits, and an optional exponent `e`/`E`, sign, digits. A value is read into a
//! 96-bit decimal exactly; one that needs more than 28 significant digits or 28 decimal places is
//! refused, never rounded.

use rust_decimal::Decimal;

/// Why a text is not a number a request may state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all.
    Syntax,
    /// A comma that is not a thousands separator; the help suggests the decimal point.
    Comma {
        /// The text with a decimal point instead of the comma (`72,5` → `72.5`), when that reading
        /// is the likely one.
        suggestion: Option<String>,
    },
    /// A number beyond the exact precision (28 significant digits, 28 decimal places).
    Precision,
}

impl NumberError {
    /// What is wrong with `text`, and how to put it right.
    pub fn explain(&self, text: &str) -> (String, String) {
        match self {
            NumberError::Syntax => (
                format!("`{text}` is not a number"),
                "write a number such as 72.5 or 600000 (thousands may be separated by commas in groups of three: 600,000)".into(),
            ),
            NumberError::Comma { suggestion } => (
                format!("`{text}` is not a number: a comma separates thousands only, in groups of three digits (600,000)"),
                match suggestion {
                    Some(s) => format!("write the decimal point as a full stop: {s}"),
                    None => "write decimals with a full stop (72.5), and thousands in groups of three (1,000,000) or without separators".into(),
                },
            ),
            NumberError::Precision => (
                format!("`{text}` cannot be read exactly: a value has at most 28 significant digits and 28 decimal places"),
                "state the value with fewer digits, or in a unit that needs fewer".into(),
            ),
        }
    }
}

const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

/// Read `text` (no surrounding whitespace) exactly. Negative zero is read as zero.
pub fn parse_number(text: &str) -> Result<Decimal, NumberError> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        i = 1;
    }
    // Digits accumulate without trailing zeros: `pending` zeros are multiplied in only when a
    // non-zero digit follows, so that 1000…0 with many zeros stays exact.
    let mut m: u128 = 0;
    let mut pending: u32 = 0;
    let mut digits_seen = false;
    let mut overflow = false;
    let mut push = |d: u8, m: &mut u128, pending: &mut u32| {
        if d == 0 {
            if *m != 0 {
                *pending += 1;
            }
            return;
        }
        let mut x = *m;
        for _ in 0..=*pending {
            match x.checked_mul(10) {
                Some(y) => x = y,
                None => {
                    overflow = true;
                    return;
                }
            }
        }
        match x.checked_add(u128::from(d)) {
            Some(y) => *m = y,
            None => overflow = true,
        }
        *pending = 0;
    };
    // Integer part.
    let int_start = i;
    let mut commas = false;
    let mut group = 0usize; // digits since the last comma (or the start)
    let mut grouping_ok = true;
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => {
                push(c - b'0', &mut m, &mut pending);
                digits_seen = true;
                group += 1;
            }
            b',' => {
                if !commas {
                    // First group: 1 to 3 digits, not starting with 0.
                    if group == 0 || group > 3 || b[int_start] == b'0' {
                        grouping_ok = false;
                    }
                } else if group != 3 {
                    grouping_ok = false;
                }
                commas = true;
                group = 0;
            }
            _ => break,
        }
        i += 1;
    }
    if commas && group != 3 {
        grouping_ok = false;
    }
    let int_digits_seen = digits_seen;
    // Fraction.
    let mut frac_digits: i64 = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            push(b[i] - b'0', &mut m, &mut pending);
            frac_digits += 1;
            i += 1;
        }
        if i == start {
            return Err(NumberError::Syntax);
        }
        if b[start..i].contains(&b',') {
            return Err(NumberError::Syntax);
        }
    }
    // Exponent.
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            eneg = b[i] == b'-';
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = exp
                .saturating_mul(10)
                .saturating_add(i64::from(b[i] - b'0'));
            i += 1;
        }
        if i == start {
            return Err(NumberError::Syntax);
        }
        if eneg {
            exp = -exp;
        }
    }
    if i != b.len() || !int_digits_seen && !commas {
        return Err(if text.contains(',') {
            comma_error(text)
        } else {
            NumberError::Syntax
        });
    }
    if commas && (!grouping_ok || !int_digits_seen) {
        return Err(comma_error(text));
    }
    if overflow {
        return Err(NumberError::Precision);
    }
    // value = m × 10^e
    let e = i64::from(pending)
        .saturating_add(exp)
        .saturating_sub(frac_digits);
    let (m, scale) = if m == 0 {
        (0, 0)
    } else if e >= 0 {
        if e > 28 {
            return Err(NumberError::Precision);
        }
        let Some(x) = 10u128.checked_pow(e as u32).and_then(|p| m.checked_mul(p)) else {
            return Err(NumberError::Precision);
        };
        (x, 0)
    } else {
        if -e > 28 {
            return Err(NumberError::Precision);
        }
        (m, (-e) as u32)
    };
    if m > MAX_MANTISSA {
        return Err(NumberError::Precision);
    }
    let signed = if negative && m != 0 {
        -(m as i128)
    } else {
        m as i128
    };
    Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| NumberError::Precision)
}

fn comma_error(text: &str) -> NumberError {
    let suggestion = (text.matches(',').count() == 1 && !text.contains('.')).then(|| {
        let s = text.replacen(',', ".", 1);
        match s.strip_prefix('-') {
            Some(r) if r.starts_with('.') => format!("-0{r}"),
            _ if s.starts_with('.') => format!("0{s}"),
            _ => s,
        }
    });
    NumberError::Comma { suggestion }
}

/// `a × b` exactly, or `None` when the product cannot be represented exactly (more than 28
/// significant digits or decimal places, or too large): never rounded.
pub fn exact_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (a, b) = (a.normalize(), b.normalize());
    let mut m = a.mantissa().checked_mul(b.mantissa())?;
    let mut scale = a.scale() + b.scale();
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    if scale > 28 || m.unsigned_abs() > MAX_MANTISSA {
        return None;
    }
    Decimal::try_from_i128_with_scale(m, scale).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn plain_and_grouped() {
        assert_eq!(parse_number("72.5"), Ok(d("72.5")));
        assert_eq!(parse_number("600,000"), Ok(d("600000")));
        assert_eq!(parse_number("1,000,000.5"), Ok(d("1000000.5")));
        assert_eq!(parse_number("-1,234"), Ok(d("-1234")));
        assert_eq!(parse_number("0"), Ok(Decimal::ZERO));
        assert!(!parse_number("-0").expect("zero").is_sign_negative());
        assert_eq!(parse_number("007"), Ok(d("7")));
        assert_eq!(parse_number("1e3"), Ok(d("1000")));
        assert_eq!(parse_number("1.5E-2"), Ok(d("0.015")));
        assert_eq!(parse_number("100000000000000000000e-20"), Ok(d("1")));
    }

    #[test]
    fn commas_that_are_not_thousands() {
        for (t, s) in [
            ("72,5", Some("72.5")),
            ("7,2", Some("7.2")),
            ("1,00", Some("1.00")),
            (",5", Some("0.5")),
            ("-,5", Some("-0.5")),
            ("0,500", Some("0.500")),
            ("1234,567", Some("1234.567")),
            ("1,000,00", None),
            ("1,2,3", None),
            ("1,000.5,1", None),
            ("1,", Some("1.")),
        ] {
            assert_eq!(
                parse_number(t),
                Err(NumberError::Comma {
                    suggestion: s.map(str::to_string)
                }),
                "{t}"
            );
        }
    }

    #[test]
    fn not_numbers() {
        for t in [
            "", "-", ".5", "5.", "1e", "abc", "1 000", "+1", "1.2.3", "0x10", "1_000",
        ] {
            assert_eq!(parse_number(t), Err(NumberError::Syntax), "{t}");
        }
    }

    #[test]
    fn exact_or_refused() {
        assert_eq!(
            parse_number("0.99999999999999999999"),
            Ok(d("0.99999999999999999999"))
        );
        assert_eq!(
            parse_number("0.9999999999999999999999999999"),
            Ok(d("0.9999999999999999999999999999"))
        );
        assert_eq!(
            parse_number("0.99999999999999999999999999999"),
            Err(NumberError::Precision)
        );
        assert_eq!(
            parse_number("79228162514264337593543950335"),
            Ok(Decimal::MAX)
        );
        assert_eq!(
            parse_number("79228162514264337593543950336"),
            Err(NumberError::Precision)
        );
        assert_eq!(parse_number("1e29"), Err(NumberError::Precision));
        assert_eq!(parse_number("1e-29"), Err(NumberError::Precision));
        assert_eq!(
            parse_number("1e-28"),
            Ok(d("0.0000000000000000000000000001"))
        );
        assert_eq!(
            parse_number("1e999999999999999999999"),
            Err(NumberError::Precision)
        );
        assert_eq!(
            parse_number("1234567890123456789012345678901234567890"),
            Err(NumberError::Precision)
        );
    }

    #[test]
    fn products() {
        assert_eq!(
            exact_mul(d("72.5"), d("1000000000")),
            Some(d("72500000000"))
        );
        assert_eq!(exact_mul(d("1.5"), d("453592370")), Some(d("680388555")));
        assert_eq!(
            exact_mul(d("1.234567890123456789012345678"), d("453592370")),
            None
        );
        assert_eq!(exact_mul(Decimal::MAX, d("2")), None);
        assert_eq!(
            exact_mul(d("0.0000000000000000000000000001"), d("0.1")),
            None
        );
        assert_eq!(exact_mul(d("-2.50"), d("0.4")), Some(d("-1")));
    }
}
