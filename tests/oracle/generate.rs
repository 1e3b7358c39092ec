//! Random small policies and requests, from a seed.

use super::model::*;
use rust_decimal::Decimal;
use std::str::FromStr;

/// SplitMix64: small, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, X>(&mut self, xs: &'a [X]) -> &'a X {
        &xs[self.below(xs.len())]
    }
    pub fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
    /// A non-empty subset, in the given order, without repeats.
    pub fn subset(&mut self, xs: &[&'static str]) -> Vec<&'static str> {
        loop {
            let v: Vec<&'static str> = xs.iter().copied().filter(|_| self.chance(50)).collect();
            if !v.is_empty() {
                return v;
            }
        }
    }
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A decimal as written, sometimes with trailing zeros (`150`, `150.0`, `150.000`).
fn written(r: &mut Rng, d: Decimal) -> String {
    let mut s = d.normalize().to_string();
    if s == "-0" {
        s = "0".into();
    }
    match r.below(4) {
        0 if !s.contains('.') => s.push_str(".0"),
        1 => {
            if !s.contains('.') {
                s.push('.');
            }
            s.push_str("00");
        }
        _ => {}
    }
    s
}

/// A date `yyyymmdd`, with the day kept from 2 to 27 so that a day either side is the same month.
fn date_text(d: i32) -> String {
    format!("{:04}-{:02}-{:02}", d / 10000, d / 100 % 100, d % 100)
}

pub struct Gen<'r> {
    pub r: &'r mut Rng,
    /// Constants the policy compares each fact with, in the reference's units.
    pub consts: Vec<Vec<Decimal>>,
    pub dates: Vec<i32>,
    /// Criteria (without referrals) that a later `meets` may name.
    pub meetable: Vec<Node>,
    pub allow_meets: bool,
}

impl Gen<'_> {
    fn remember(&mut self, fact: usize, v: Decimal) {
        if !self.consts[fact].contains(&v) {
            self.consts[fact].push(v);
        }
    }

    /// A constant for a numeric fact: its value and how the policy writes it.
    fn constant(&mut self, fact: usize) -> (Decimal, String) {
        let reuse = !self.consts[fact].is_empty() && self.r.chance(40);
        match fact {
            N => {
                let v = if reuse {
                    *self.r.pick(&self.consts[N])
                } else {
                    Decimal::from(self.r.below(6))
                };
                self.remember(N, v);
                (v, v.to_string())
            }
            SCORE => {
                let v = if reuse {
                    *self.r.pick(&self.consts[SCORE])
                } else {
                    dec(self
                        .r
                        .pick_str(&["-2.5", "0", "1", "2.25", "10", "0.125", "3.5"]))
                };
                self.remember(SCORE, v);
                let t = written(self.r, v);
                (v, t)
            }
            DOSE | DOSE_MAX => {
                let pool: Vec<Decimal> = self.consts[DOSE]
                    .iter()
                    .chain(&self.consts[DOSE_MAX])
                    .copied()
                    .collect();
                let v = if !pool.is_empty() && self.r.chance(40) {
                    *self.r.pick(&pool)
                } else {
                    dec(self
                        .r
                        .pick_str(&["0.5", "37.5", "150", "600", "1500", "2.25", "2000"]))
                };
                self.remember(fact, v);
                let t = match self.r.below(5) {
                    0 => format!("{} g", written(self.r, v / dec("1000"))),
                    1 => format!("{} ug", written(self.r, v * dec("1000"))),
                    2 if v >= dec("1000") && v.fract().is_zero() => {
                        let i = v.normalize().to_string();
                        let (a, b) = i.split_at(i.len() - 3);
                        format!("{a},{b} mg")
                    }
                    _ => format!("{} mg", written(self.r, v)),
                };
                (v, t)
            }
            REST => {
                let v = if reuse {
                    *self.r.pick(&self.consts[REST])
                } else {
                    dec(self.r.pick_str(&["3", "7", "9", "14", "21", "0.5", "28"]))
                };
                self.remember(REST, v);
                let t = match self.r.below(4) {
                    0 if v.mantissa() % 7 == 0 => {
                        format!("{} weeks", written(self.r, v / dec("7")))
                    }
                    1 => format!("{} h", written(self.r, v * dec("24"))),
                    2 => format!("{} d", written(self.r, v)),
                    _ => format!("{} days", written(self.r, v)),
                };
                (v, t)
            }
            _ => unreachable!(),
        }
    }

    fn date_constant(&mut self) -> i32 {
        if !self.dates.is_empty() && self.r.chance(40) {
            return *self.r.pick(&self.dates);
        }
        let d = (2019 + self.r.below(3) as i32) * 10000
            + (1 + self.r.below(12) as i32) * 100
            + 2
            + self.r.below(26) as i32;
        self.dates.push(d);
        d
    }

    fn op(&mut self) -> (Op, &'static str) {
        let op = *self.r.pick(&Op::ALL);
        (op, *self.r.pick(op.spellings()))
    }

    /// A simple condition; `coa`: it may be a limit `, as a condition of approval`.
    pub fn leaf(&mut self, coa: bool) -> C {
        loop {
            match self.r.below(11) {
                0 => {
                    let fact = *self.r.pick(&[FLAG_A, FLAG_B, RECORDS]);
                    if fact == RECORDS {
                        return C::Flag { fact, spelled: "" };
                    }
                    return match self.r.below(5) {
                        0 => C::Flag {
                            fact,
                            spelled: "yes",
                        },
                        1 => C::Flag {
                            fact,
                            spelled: "true",
                        },
                        2 => C::FlagNo {
                            fact,
                            spelled: "no",
                        },
                        3 => C::FlagNo {
                            fact,
                            spelled: "false",
                        },
                        _ => C::Flag { fact, spelled: "" },
                    };
                }
                1 => {
                    let (fact, all): (usize, &[&'static str]) = if self.r.chance(50) {
                        (ROUTE, &ROUTES)
                    } else {
                        (DIAG, &DIAGNOSES[..3])
                    };
                    let one_of = self.r.chance(40);
                    let values = if one_of {
                        self.r.subset(all)
                    } else {
                        vec![*self.r.pick(all)]
                    };
                    return C::EnumIn {
                        fact,
                        values,
                        negated: self.r.chance(30),
                        one_of,
                    };
                }
                2 => {
                    let quant = *self
                        .r
                        .pick(&[Quant::Single, Quant::Any, Quant::All, Quant::None]);
                    let values = if quant == Quant::Single {
                        vec![*self.r.pick(&SITES_VALUES)]
                    } else {
                        self.r.subset(&SITES_VALUES)
                    };
                    return C::SetHas {
                        fact: SITES,
                        quant,
                        values,
                    };
                }
                3..=5 => {
                    let fact = *self.r.pick(&[N, SCORE, DOSE, DOSE_MAX, REST]);
                    let (op, spelled) = self.op();
                    let (v, text) = self.constant(fact);
                    let coa = coa && self.r.chance(40);
                    return C::Cmp {
                        fact,
                        op,
                        spelled,
                        value: V::Num(v),
                        text,
                        coa,
                        flipped: !coa && self.r.chance(15),
                    };
                }
                6 => {
                    let fact = *self.r.pick(&[START, END]);
                    let (op, spelled) = self.op();
                    let d = self.date_constant();
                    return C::Cmp {
                        fact,
                        op,
                        spelled,
                        value: V::Date(d),
                        text: date_text(d),
                        coa: false,
                        flipped: self.r.chance(15),
                    };
                }
                7 => {
                    // `start_date is end_date` reads as enumeration membership (E0304), so
                    // fact-vs-fact comparisons are spelled with symbols and words other than `is`.
                    let (op, spelled) = loop {
                        let (op, s) = self.op();
                        if !s.starts_with("is") {
                            break (op, s);
                        }
                    };
                    let (left, right) = if self.r.chance(50) {
                        (DOSE, DOSE_MAX)
                    } else {
                        (START, END)
                    };
                    return C::CmpFacts {
                        left,
                        op,
                        spelled,
                        right,
                    };
                }
                8 => {
                    return C::Known {
                        fact: self.r.below(SITES + 1),
                        negated: self.r.chance(40),
                    }
                }
                9 => {
                    if self.r.chance(50) {
                        if self.allow_meets {
                            return C::Def1;
                        }
                        continue;
                    }
                    return C::OnRoute(self.r.subset(&ROUTES));
                }
                _ => {
                    if self.allow_meets && !self.meetable.is_empty() {
                        return C::Meets(Box::new(self.r.pick(&self.meetable).clone()));
                    }
                }
            }
        }
    }

    pub fn cond(&mut self, depth: usize) -> C {
        if depth >= 2 || self.r.chance(55) {
            return self.leaf(false);
        }
        match self.r.below(3) {
            0 => C::And(
                (0..2 + self.r.below(2))
                    .map(|_| self.cond(depth + 1))
                    .collect(),
            ),
            1 => C::Or(
                (0..2 + self.r.below(2))
                    .map(|_| self.cond(depth + 1))
                    .collect(),
            ),
            _ => C::Not(Box::new(self.cond(depth + 1))),
        }
    }

    /// A labelled node under `parent`; `level` picks the label style (A, i, a).
    fn node(
        &mut self,
        parent: &str,
        local: String,
        depth: usize,
        dosing: bool,
        referrals: bool,
    ) -> Node {
        let full = format!("{parent}.{local}");
        let (guard, only_if) = match self.r.below(6) {
            0 => (Some(self.cond(1)), None),
            1 => (None, Some(self.cond(1))),
            _ => (None, None),
        };
        let body = self.body(&full, depth, dosing, referrals);
        let n = Node {
            local,
            full,
            text: "A criterion".into(),
            guard,
            only_if,
            body,
        };
        if !dosing && !has_referral(&n) {
            self.meetable.push(n.clone());
        }
        n
    }

    fn body(&mut self, label: &str, depth: usize, dosing: bool, referrals: bool) -> Body {
        if referrals && self.r.chance(if dosing { 4 } else { 10 }) {
            return Body::Refer(if self.r.chance(50) {
                None
            } else {
                Some("Another review".into())
            });
        }
        if depth >= 3 || (depth > 0 && self.r.chance(55)) {
            let c = if self.r.chance(30) {
                self.cond(0)
            } else {
                self.leaf(dosing)
            };
            return Body::Leaf(c);
        }
        let kind = match self.r.below(10) {
            0..=4 => Gk::All,
            5..=8 => Gk::One,
            _ => Gk::None,
        };
        // No referral under `none of`: it would be a requirement that people *not* agree.
        let referrals = referrals && kind != Gk::None;
        let names: &[&str] = match depth {
            0 => &["A", "B", "C"],
            1 => &["i", "ii", "iii"],
            _ => &["a", "b", "c"],
        };
        let k = 1 + self.r.below(3);
        let children = names[..k]
            .iter()
            .map(|l| self.node(label, l.to_string(), depth + 1, dosing, referrals))
            .collect();
        Body::Group(kind, children)
    }

    fn phase(&mut self, label: &str) -> Phase {
        let duration = (
            1 + self.r.below(12) as u32,
            self.r.pick_str(&["years", "months", "weeks", "days"]),
        );
        let body = self.body(label, 0, false, true);
        let criteria = Node {
            local: String::new(),
            full: label.to_string(),
            text: "The criteria".into(),
            guard: None,
            only_if: None,
            body,
        };
        if !has_referral(&criteria) {
            self.meetable.push(criteria.clone());
        }
        let dosing = self.r.chance(70).then(|| {
            let dl = format!("{label}.Dosing");
            // `meets` is for criteria; the dosing sections do not use it.
            let saved = std::mem::replace(&mut self.allow_meets, false);
            let body = self.body(&dl, 0, true, true);
            self.allow_meets = saved;
            Node {
                local: String::new(),
                full: dl,
                text: "The dosing".into(),
                guard: None,
                only_if: None,
                body,
            }
        });
        Phase {
            duration,
            criteria,
            dosing,
        }
    }

    pub fn policy(&mut self) -> Policy {
        let def1 = self.cond(1);
        let n = 1 + self.r.below(3);
        let mut indications = Vec::new();
        let mut diag_pool: Vec<&'static str> = DIAGNOSES[..3].to_vec();
        for i in 1..=n {
            let label = i.to_string();
            let applies = match self.r.below(5) {
                0 => None,
                1 => Some(self.cond(1)),
                _ => {
                    // Mostly: a diagnosis, as real policies do.
                    let d = if diag_pool.is_empty() {
                        *self.r.pick(&DIAGNOSES[..3])
                    } else {
                        diag_pool.remove(self.r.below(diag_pool.len()))
                    };
                    Some(C::EnumIn {
                        fact: DIAG,
                        values: vec![d],
                        negated: false,
                        one_of: false,
                    })
                }
            };
            // `meets` names criteria written above it.
            self.allow_meets = true;
            let initial = self.phase(&label);
            let reauth = self.r.chance(25).then(|| self.phase(&format!("{label}.R")));
            indications.push(Indication {
                label,
                applies,
                initial,
                reauth,
            });
        }
        Policy {
            outside_dosing: self.r.chance(60),
            not_covered: self.r.chance(50),
            def1,
            indications,
        }
    }
}

pub fn has_referral(n: &Node) -> bool {
    match &n.body {
        Body::Refer(_) => true,
        Body::Leaf(_) => false,
        Body::Group(_, ch) => ch.iter().any(has_referral),
    }
}

// ---------------------------------------------------------------------- requests

/// A value near one of `consts` (at it, or just either side), or a plain one.
fn near(
    r: &mut Rng,
    consts: &[Decimal],
    deltas: &[&'static str],
    plain: &[&'static str],
) -> Decimal {
    if consts.is_empty() || r.chance(15) {
        return dec(r.pick_str(plain));
    }
    let c = *r.pick(consts);
    if r.chance(40) {
        return c;
    }
    c + dec(r.pick_str(deltas))
}

pub fn value(r: &mut Rng, g: &Gen, has_reauth: bool, fact: usize) -> (V, String) {
    match fact {
        FLAG_A | FLAG_B | RECORDS => {
            let b = r.chance(50);
            (V::B(b), b.to_string())
        }
        N => {
            let v = near(r, &g.consts[N], &["1", "-1"], &["0", "1", "3", "7"]).max(Decimal::ZERO);
            (V::Num(v), v.to_string())
        }
        SCORE => {
            let v = near(
                r,
                &g.consts[SCORE],
                &["0.01", "-0.01", "1", "-1", "0.5", "-0.5"],
                &["0", "-3", "2.5", "11"],
            );
            (V::Num(v), written(r, v))
        }
        DOSE | DOSE_MAX => {
            let pool: Vec<Decimal> = g.consts[DOSE]
                .iter()
                .chain(&g.consts[DOSE_MAX])
                .copied()
                .collect();
            let v = near(
                r,
                &pool,
                &["0.001", "-0.001", "1", "-1", "0.5", "-0.5"],
                &["0", "100", "600", "2500"],
            )
            .max(Decimal::ZERO);
            let q = match r.below(6) {
                0 => format!("\"{} g\"", written(r, v / dec("1000"))),
                1 => format!("\"{} ug\"", written(r, v * dec("1000"))),
                2 => format!("{{\"value\": {}, \"unit\": \"mg\"}}", written(r, v)),
                3 => format!("\"{} mcg\"", written(r, v * dec("1000"))),
                _ => format!("\"{} mg\"", written(r, v)),
            };
            (V::Num(v), q)
        }
        REST => {
            let v = near(
                r,
                &g.consts[REST],
                &["1", "-1", "0.5", "-0.5", "0.25", "-0.25"],
                &["0", "5", "30"],
            )
            .max(Decimal::ZERO);
            let q = match r.below(5) {
                0 if v.mantissa() % 7 == 0 => {
                    format!("\"{} wk\"", written(r, v / dec("7")))
                }
                1 => format!("\"{} h\"", written(r, v * dec("24"))),
                2 => format!("\"{} days\"", written(r, v)),
                3 => format!("{{\"value\": {}, \"unit\": \"d\"}}", written(r, v)),
                _ => format!("\"{} d\"", written(r, v)),
            };
            (V::Num(v), q)
        }
        START | END => {
            let d = if g.dates.is_empty() || r.chance(15) {
                20200315
            } else {
                *r.pick(&g.dates) + *r.pick(&[0, 0, 1, -1])
            };
            (V::Date(d), format!("\"{}\"", date_text(d)))
        }
        ROUTE => {
            let v = *r.pick(&ROUTES);
            (V::Enum(v.into()), format!("\"{v}\""))
        }
        DIAG => {
            let v = *r.pick(&DIAGNOSES);
            (V::Enum(v.into()), format!("\"{v}\""))
        }
        SITES => {
            let v: Vec<String> = SITES_VALUES
                .iter()
                .filter(|_| r.chance(40))
                .map(|s| s.to_string())
                .collect();
            let j = format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            (V::Set(v), j)
        }
        AUTH => {
            assert!(has_reauth);
            let v = r.pick_str(&["initial", "reauthorization"]);
            (V::Enum(v.into()), format!("\"{v}\""))
        }
        _ => unreachable!(),
    }
}

pub fn request(r: &mut Rng, g: &Gen, has_reauth: bool) -> Req {
    let mut req = Req {
        values: vec![None; NFACTS],
        json: vec![None; NFACTS],
    };
    // Some requests state little, some nearly everything.
    let absent = *r.pick(&[10, 25, 40, 70]);
    for fact in 0..NFACTS {
        if fact == AUTH && !has_reauth {
            continue;
        }
        if r.chance(absent) {
            continue;
        }
        let (v, j) = value(r, g, has_reauth, fact);
        req.values[fact] = Some(v);
        req.json[fact] = Some(j);
    }
    req
}

/// How a request states `v` for `fact`, as JSON text (in the policy's own units).
pub fn json_of(fact: usize, v: &V) -> String {
    match v {
        V::B(b) => b.to_string(),
        V::Num(d) => {
            let t = d.normalize().to_string();
            match fact {
                DOSE | DOSE_MAX => format!("\"{t} mg\""),
                REST => format!("\"{t} d\""),
                _ => t,
            }
        }
        V::Date(d) => format!("\"{}\"", date_text(*d)),
        V::Enum(e) => format!("\"{e}\""),
        V::Set(s) => format!(
            "[{}]",
            s.iter()
                .map(|x| format!("\"{x}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
