//! Policies, evaluated on every request in Cloudflare Access's order: bypass, then
//! service-auth, then block, then allow. A policy matches when any of its `include`
//! selectors, all of its `require` selectors and none of its `exclude` selectors match.
//!
//! Selectors look at who is asking ([`Subject`]: a signed-in person, a machine with a
//! service token or a client certificate, or nobody yet) and at the request itself (the
//! client address, the connection's client certificate), so network and device rules are
//! checked again on every request, not only at sign-in.
//!
//! A client certificate is a device fact for every subject (`client_certificate`,
//! `client_certificate_cn`). Alone, with no session and no service token, it is also a
//! machine's identity ([`Subject::Certificate`], auth method `mtls`), which only
//! `service-auth` policies admit, as service tokens are; a person whose browser holds a
//! certificate still signs in for `allow` policies.

use std::net::IpAddr;

use parapet_config::{AuthMethod, Policy, PolicyAction, Selector};
use parapet_core::client_cert::ClientCert;

use crate::geo::Country;

/// A signed-in person, as the session cookie carries them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// The provider's subject identifier.
    pub sub: String,
    /// Lower-case; empty when the provider gave none.
    pub email: String,
    pub groups: Vec<String>,
    /// The provider's name from the config.
    pub idp: String,
    /// How they proved it in this session. Cookies from before methods were recorded were
    /// all OpenID Connect sign-ins.
    #[serde(default = "Methods::oidc")]
    pub methods: Methods,
}

/// How a person proved who they are in one session: read from the session cookie, so a
/// policy that asks for a security key costs nothing more per request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Methods {
    /// Signed in through an OpenID Connect provider.
    #[serde(default)]
    pub oidc: bool,
    /// Proved possession of a registered passkey or security key, at sign-in or later.
    #[serde(default)]
    pub webauthn: bool,
    /// The authenticator verified the person (PIN or biometric), not only their presence.
    #[serde(default)]
    pub uv: bool,
}

impl Methods {
    /// An OpenID Connect sign-in.
    pub fn oidc() -> Self {
        Methods {
            oidc: true,
            ..Methods::default()
        }
    }

    /// A passkey or security key ceremony, with or without user verification.
    pub fn webauthn(uv: bool) -> Self {
        Methods {
            webauthn: true,
            uv,
            ..Methods::default()
        }
    }

    /// Both methods' proofs, as after a step-up.
    #[must_use]
    pub fn and(self, other: Methods) -> Self {
        Methods {
            oidc: self.oidc || other.oidc,
            webauthn: self.webauthn || other.webauthn,
            uv: self.uv || other.uv,
        }
    }

    fn has(self, m: AuthMethod) -> bool {
        match m {
            AuthMethod::Oidc => self.oidc,
            AuthMethod::Webauthn => self.webauthn,
            AuthMethod::ServiceToken | AuthMethod::Mtls => false,
        }
    }

    /// The names for the identity token's `amr` claim (RFC 8176 adds `hwk` for a key and
    /// `mfa` for two factors, or a key that verified the person).
    pub fn amr(self) -> Vec<String> {
        let mut v = Vec::new();
        if self.oidc {
            v.push("oidc".to_owned());
        }
        if self.webauthn {
            v.push("webauthn".to_owned());
            v.push("hwk".to_owned());
            if self.oidc || self.uv {
                v.push("mfa".to_owned());
            }
        }
        v
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// No session, no service token.
    Anonymous,
    User(&'a User),
    /// A valid service token, by name.
    Service(&'a str),
    /// No session and no service token, but a client certificate valid for this
    /// application: a machine identified by its certificate.
    Certificate(&'a ClientCert),
}

impl Subject<'_> {
    fn has_method(&self, m: AuthMethod) -> bool {
        match self {
            Subject::Anonymous => false,
            Subject::User(u) => u.methods.has(m),
            Subject::Service(_) => m == AuthMethod::ServiceToken,
            Subject::Certificate(_) => m == AuthMethod::Mtls,
        }
    }
}

/// What the request looks like, apart from who sends it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub client: IpAddr,
    /// From the operator's database, when it has one and it places the address.
    pub country: Option<Country>,
    /// The connection's client certificate, only when it verifies against this
    /// application's `client_ca` (a certificate for another application is no certificate
    /// here).
    pub cert: Option<&'a ClientCert>,
}

/// The outcome of the policies for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Pass without identity (a bypass policy matched); index of the policy.
    Bypass(usize),
    /// Pass with the subject's identity; index of the allow or service-auth policy.
    Allow(usize),
    /// Refused by a block policy; its index.
    Block(usize),
    /// Nobody is signed in and nothing above applied: sign in first.
    SignIn,
    /// Signed in (or a service token), but no policy lets this subject in.
    NoMatch,
}

fn selector_matches(s: &Selector, who: Subject<'_>, facts: &Facts<'_>) -> bool {
    let user = match who {
        Subject::User(u) => Some(u),
        _ => None,
    };
    match s {
        Selector::Everyone => true,
        Selector::Emails(list) => {
            user.is_some_and(|u| !u.email.is_empty() && list.contains(&u.email))
        }
        Selector::EmailDomains(list) => user.is_some_and(|u| {
            u.email.rsplit_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && list.iter().any(|d| d == domain)
            })
        }),
        Selector::Groups(list) => user.is_some_and(|u| u.groups.iter().any(|g| list.contains(g))),
        Selector::Idps(list) => user.is_some_and(|u| list.contains(&u.idp)),
        Selector::AuthMethods(list) => list.iter().any(|&m| who.has_method(m)),
        Selector::SecurityKey => user.is_some_and(|u| u.methods.webauthn && u.methods.uv),
        Selector::IpRanges(nets) => nets.iter().any(|n| n.contains(&facts.client)),
        Selector::Countries(list) => facts
            .country
            .is_some_and(|c| list.iter().any(|l| l == c.as_str())),
        Selector::ServiceTokens(list) => {
            matches!(who, Subject::Service(name) if list.iter().any(|n| n == name))
        }
        Selector::AnyServiceToken => matches!(who, Subject::Service(_)),
        Selector::ClientCertificate => facts.cert.is_some(),
        Selector::ClientCertificateCn(list) => facts
            .cert
            .and_then(|c| c.common_name.as_deref())
            .is_some_and(|cn| list.iter().any(|l| l == cn)),
        // A selector added to the config but not taught here matches nothing: fail closed.
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// Whether `policy`'s conditions hold (its action aside).
pub fn matches(policy: &Policy, who: Subject<'_>, facts: &Facts<'_>) -> bool {
    policy
        .include
        .iter()
        .any(|s| selector_matches(s, who, facts))
        && policy
            .require
            .iter()
            .all(|s| selector_matches(s, who, facts))
        && !policy
            .exclude
            .iter()
            .any(|s| selector_matches(s, who, facts))
}

/// Evaluates an application's policies for `who`.
pub fn evaluate(policies: &[Policy], who: Subject<'_>, facts: &Facts<'_>) -> Outcome {
    let first = |action: PolicyAction, who: Subject<'_>| {
        policies
            .iter()
            .position(|p| p.action == action && matches(p, who, facts))
    };
    // Bypass looks at the request alone: it must not depend on who is signed in, or a
    // session would change which requests skip access altogether.
    if let Some(i) = first(PolicyAction::Bypass, Subject::Anonymous) {
        return Outcome::Bypass(i);
    }
    if let Subject::Service(_) | Subject::Certificate(_) = who {
        if let Some(i) = first(PolicyAction::ServiceAuth, who) {
            return Outcome::Allow(i);
        }
    }
    if let Some(i) = first(PolicyAction::Block, who) {
        return Outcome::Block(i);
    }
    match who {
        Subject::User(_) => {
            first(PolicyAction::Allow, who).map_or(Outcome::NoMatch, Outcome::Allow)
        }
        Subject::Service(_) => Outcome::NoMatch,
        // A certificate no service-auth policy admits may still belong to a person's
        // browser: they sign in, and the certificate stays a fact of their requests.
        Subject::Certificate(_) | Subject::Anonymous => Outcome::SignIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn user(email: &str, groups: &[&str], idp: &str) -> User {
        User {
            sub: format!("sub-{email}"),
            email: email.to_owned(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            idp: idp.to_owned(),
            methods: Methods::oidc(),
        }
    }

    fn facts(ip: &str) -> Facts<'static> {
        Facts {
            client: ip.parse().unwrap(),
            country: None,
            cert: None,
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn cert(verified_for: &[&str], cn: &str) -> ClientCert {
        ClientCert::new(
            verified_for
                .iter()
                .map(|n| std::sync::Arc::from(*n))
                .collect(),
            (!cn.is_empty()).then(|| cn.to_owned()),
            vec![format!("{cn}.example.net")],
            [7; 32],
        )
    }

    #[test]
    fn certificate_selectors_match_only_a_certificate_for_this_application() {
        let ana = user("ana@example.com", &[], "corp");
        let svc = cert(&["app"], "svc-a");
        let nameless = cert(&["app"], "");
        let with = |c: &'static str| Facts {
            cert: match c {
                "svc" => Some(&svc),
                "nameless" => Some(&nameless),
                _ => None,
            },
            ..facts("10.0.0.1")
        };
        let cn = Selector::ClientCertificateCn(strings(&["svc-a", "svc-b"]));
        let other_cn = Selector::ClientCertificateCn(strings(&["SVC-A"]));
        let mtls = Selector::AuthMethods(vec![AuthMethod::Mtls]);
        for who in [
            Subject::User(&ana),
            Subject::Service("ci"),
            Subject::Anonymous,
        ] {
            assert!(selector_matches(
                &Selector::ClientCertificate,
                who,
                &with("svc")
            ));
            assert!(selector_matches(&cn, who, &with("svc")));
            assert!(
                !selector_matches(&other_cn, who, &with("svc")),
                "CNs are exact"
            );
            assert!(!selector_matches(
                &Selector::ClientCertificate,
                who,
                &with("none")
            ));
            assert!(!selector_matches(&cn, who, &with("none")));
            assert!(selector_matches(
                &Selector::ClientCertificate,
                who,
                &with("nameless")
            ));
            assert!(!selector_matches(&cn, who, &with("nameless")));
            assert!(!selector_matches(&mtls, who, &with("svc")));
        }
        let machine = Subject::Certificate(&svc);
        assert!(selector_matches(&mtls, machine, &with("svc")));
        assert!(selector_matches(&Selector::Everyone, machine, &with("svc")));
        for s in [
            Selector::AnyServiceToken,
            Selector::ServiceTokens(strings(&["svc-a"])),
            Selector::Emails(strings(&["svc-a"])),
            Selector::Idps(strings(&["corp"])),
            Selector::AuthMethods(vec![AuthMethod::Oidc, AuthMethod::ServiceToken]),
        ] {
            assert!(!selector_matches(&s, machine, &with("svc")), "{s:?}");
        }
    }

    /// Include / require / exclude across selector kinds (identity, network, device,
    /// machine credentials), one row per combination, with the action order on top.
    #[test]
    fn policy_matrix_across_selector_kinds() {
        use PolicyAction::*;
        use Selector as S;
        let net = |r: &str| S::IpRanges(vec![r.parse().unwrap()]);
        let cn = |v: &[&str]| S::ClientCertificateCn(strings(v));
        let domain = |d: &str| S::EmailDomains(strings(&[d]));
        let p = |action, include: Vec<Selector>, require: Vec<Selector>, exclude: Vec<Selector>| {
            Policy::new("p", action, include)
                .require(require)
                .exclude(exclude)
        };
        let ana = user("ana@example.com", &["eng"], "corp");
        let sus = user("sam@example.com", &["suspended"], "corp");
        let eve = user("eve@evil.example", &[], "corp");
        let svc = cert(&["app"], "svc-a");
        let rogue = cert(&["app"], "rogue");
        // Who, from where, with which certificate (valid for this application).
        type Row<'a> = (
            &'a str,
            Vec<Policy>,
            Subject<'a>,
            &'a str,
            Option<&'a ClientCert>,
            Outcome,
        );
        let rows: Vec<Row<'_>> = vec![
            // include: any one selector of any kind.
            (
                "include email",
                vec![p(
                    Allow,
                    vec![domain("example.com"), cn(&["x"])],
                    vec![],
                    vec![],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                None,
                Outcome::Allow(0),
            ),
            (
                "include cert for a person",
                vec![p(
                    Allow,
                    vec![domain("nope.example"), S::ClientCertificate],
                    vec![],
                    vec![],
                )],
                Subject::User(&eve),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(0),
            ),
            (
                "include none",
                vec![p(
                    Allow,
                    vec![domain("nope.example"), S::ClientCertificate],
                    vec![],
                    vec![],
                )],
                Subject::User(&eve),
                "10.0.0.1",
                None,
                Outcome::NoMatch,
            ),
            // require: every selector, of every kind.
            (
                "require net+cert ok",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![net("10.0.0.0/8"), S::ClientCertificate],
                    vec![],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(0),
            ),
            (
                "require cert missing",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![net("10.0.0.0/8"), S::ClientCertificate],
                    vec![],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                None,
                Outcome::NoMatch,
            ),
            (
                "require net missing",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![net("10.0.0.0/8"), S::ClientCertificate],
                    vec![],
                )],
                Subject::User(&ana),
                "172.16.0.1",
                Some(&svc),
                Outcome::NoMatch,
            ),
            (
                "require cn wrong",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![cn(&["svc-a"])],
                    vec![],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&rogue),
                Outcome::NoMatch,
            ),
            (
                "require group",
                vec![p(
                    Allow,
                    vec![S::Everyone],
                    vec![S::Groups(strings(&["eng"]))],
                    vec![],
                )],
                Subject::User(&sus),
                "10.0.0.1",
                None,
                Outcome::NoMatch,
            ),
            // exclude: any one selector of any kind vetoes.
            (
                "exclude group",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![],
                    vec![S::Groups(strings(&["suspended"]))],
                )],
                Subject::User(&sus),
                "10.0.0.1",
                None,
                Outcome::NoMatch,
            ),
            (
                "exclude not hit",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![],
                    vec![S::Groups(strings(&["suspended"]))],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                None,
                Outcome::Allow(0),
            ),
            (
                "exclude cn",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![],
                    vec![cn(&["rogue"])],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&rogue),
                Outcome::NoMatch,
            ),
            (
                "exclude cn, other cert",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![],
                    vec![cn(&["rogue"])],
                )],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(0),
            ),
            (
                "exclude net",
                vec![p(
                    Allow,
                    vec![domain("example.com")],
                    vec![],
                    vec![net("10.66.0.0/16")],
                )],
                Subject::User(&ana),
                "10.66.0.1",
                None,
                Outcome::NoMatch,
            ),
            // Machines by certificate: service-auth only, never allow.
            (
                "cert service-auth",
                vec![p(ServiceAuth, vec![cn(&["svc-a"])], vec![], vec![])],
                Subject::Certificate(&svc),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(0),
            ),
            (
                "cert service-auth wrong cn",
                vec![p(ServiceAuth, vec![cn(&["svc-a"])], vec![], vec![])],
                Subject::Certificate(&rogue),
                "10.0.0.1",
                Some(&rogue),
                Outcome::SignIn,
            ),
            (
                "cert service-auth by method",
                vec![p(
                    ServiceAuth,
                    vec![S::AuthMethods(vec![AuthMethod::Mtls])],
                    vec![net("10.0.0.0/8")],
                    vec![],
                )],
                Subject::Certificate(&svc),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(0),
            ),
            (
                "cert service-auth, net required",
                vec![p(
                    ServiceAuth,
                    vec![S::ClientCertificate],
                    vec![net("10.0.0.0/8")],
                    vec![],
                )],
                Subject::Certificate(&svc),
                "192.168.1.1",
                Some(&svc),
                Outcome::SignIn,
            ),
            (
                "cert is no person",
                vec![p(Allow, vec![S::ClientCertificate], vec![], vec![])],
                Subject::Certificate(&svc),
                "10.0.0.1",
                Some(&svc),
                Outcome::SignIn,
            ),
            (
                "cert is no service token",
                vec![p(ServiceAuth, vec![S::AnyServiceToken], vec![], vec![])],
                Subject::Certificate(&svc),
                "10.0.0.1",
                Some(&svc),
                Outcome::SignIn,
            ),
            (
                "token with cert required",
                vec![p(
                    ServiceAuth,
                    vec![S::ServiceTokens(strings(&["ci"]))],
                    vec![S::ClientCertificate],
                    vec![],
                )],
                Subject::Service("ci"),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(0),
            ),
            (
                "token without cert",
                vec![p(
                    ServiceAuth,
                    vec![S::ServiceTokens(strings(&["ci"]))],
                    vec![S::ClientCertificate],
                    vec![],
                )],
                Subject::Service("ci"),
                "10.0.0.1",
                None,
                Outcome::NoMatch,
            ),
            (
                "person is no cert machine",
                vec![p(ServiceAuth, vec![S::ClientCertificate], vec![], vec![])],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&svc),
                Outcome::NoMatch,
            ),
            // Action order: bypass, service-auth, block, allow.
            (
                "bypass by cert",
                vec![
                    p(Block, vec![S::Everyone], vec![], vec![]),
                    p(Bypass, vec![S::ClientCertificate], vec![], vec![]),
                ],
                Subject::Anonymous,
                "10.0.0.1",
                Some(&svc),
                Outcome::Bypass(1),
            ),
            (
                "block beats allow",
                vec![
                    p(Allow, vec![S::ClientCertificate], vec![], vec![]),
                    p(Block, vec![cn(&["rogue"])], vec![], vec![]),
                ],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&rogue),
                Outcome::Block(1),
            ),
            (
                "service-auth beats block",
                vec![
                    p(Block, vec![net("10.0.0.0/8")], vec![], vec![]),
                    p(ServiceAuth, vec![cn(&["svc-a"])], vec![], vec![]),
                ],
                Subject::Certificate(&svc),
                "10.0.0.1",
                Some(&svc),
                Outcome::Allow(1),
            ),
            (
                "block a cert machine",
                vec![
                    p(Block, vec![cn(&["rogue"])], vec![], vec![]),
                    p(
                        ServiceAuth,
                        vec![S::ClientCertificate],
                        vec![],
                        vec![cn(&["rogue"])],
                    ),
                ],
                Subject::Certificate(&rogue),
                "10.0.0.1",
                Some(&rogue),
                Outcome::Block(0),
            ),
            (
                "block requires a cert, present",
                vec![
                    p(Block, vec![S::Everyone], vec![S::ClientCertificate], vec![]),
                    p(Allow, vec![S::Everyone], vec![], vec![]),
                ],
                Subject::User(&ana),
                "10.0.0.1",
                Some(&svc),
                Outcome::Block(0),
            ),
            (
                "block requires a cert, absent",
                vec![
                    p(Block, vec![S::Everyone], vec![S::ClientCertificate], vec![]),
                    p(Allow, vec![S::Everyone], vec![], vec![]),
                ],
                Subject::User(&ana),
                "10.0.0.1",
                None,
                Outcome::Allow(1),
            ),
            (
                "anonymous signs in",
                vec![p(Allow, vec![S::ClientCertificate], vec![], vec![])],
                Subject::Anonymous,
                "10.0.0.1",
                None,
                Outcome::SignIn,
            ),
            (
                "anonymous blocked by net",
                vec![
                    p(Block, vec![net("10.0.0.0/8")], vec![], vec![]),
                    p(Allow, vec![S::Everyone], vec![], vec![]),
                ],
                Subject::Anonymous,
                "10.9.9.9",
                None,
                Outcome::Block(0),
            ),
        ];
        for (name, policies, who, ip, cert, want) in rows {
            let f = Facts { cert, ..facts(ip) };
            assert_eq!(evaluate(&policies, who, &f), want, "{name}");
        }
    }

    #[test]
    fn selectors_match_what_they_name() {
        let ana = user("ana@example.com", &["eng", "oncall"], "corp");
        let who = Subject::User(&ana);
        let f = facts("10.1.2.3");
        let yes = [
            Selector::Everyone,
            Selector::Emails(strings(&["ana@example.com"])),
            Selector::EmailDomains(strings(&["example.com"])),
            Selector::Groups(strings(&["oncall"])),
            Selector::Idps(strings(&["corp"])),
            Selector::AuthMethods(vec![AuthMethod::Oidc]),
            Selector::IpRanges(vec!["10.0.0.0/8".parse().unwrap()]),
        ];
        for s in &yes {
            assert!(selector_matches(s, who, &f), "{s:?}");
        }
        let no = [
            Selector::Emails(strings(&["bob@example.com"])),
            // Subdomains and look-alikes are other domains.
            Selector::EmailDomains(strings(&["ample.com", "sub.example.com"])),
            Selector::Groups(strings(&["ENG"])),
            Selector::Idps(strings(&["github"])),
            Selector::AuthMethods(vec![AuthMethod::ServiceToken]),
            Selector::IpRanges(vec!["10.0.0.0/16".parse().unwrap()]),
            Selector::ServiceTokens(strings(&["ci"])),
            Selector::AnyServiceToken,
        ];
        for s in &no {
            assert!(!selector_matches(s, who, &f), "{s:?}");
        }
        // A machine matches only the service selectors, network and everyone.
        let ci = Subject::Service("ci");
        assert!(selector_matches(
            &Selector::ServiceTokens(strings(&["ci"])),
            ci,
            &f
        ));
        assert!(selector_matches(&Selector::AnyServiceToken, ci, &f));
        assert!(selector_matches(
            &Selector::AuthMethods(vec![AuthMethod::ServiceToken]),
            ci,
            &f
        ));
        assert!(!selector_matches(
            &Selector::EmailDomains(strings(&["example.com"])),
            ci,
            &f
        ));
        // An address without a local part is no member of its domain.
        // Countries: only a placed address matches.
        let de = Facts {
            country: Country::parse("de"),
            ..f
        };
        let countries = Selector::Countries(strings(&["DE", "FR"]));
        assert!(selector_matches(&countries, who, &de));
        assert!(!selector_matches(&countries, who, &f));
        let odd = user("@example.com", &[], "corp");
        assert!(!selector_matches(
            &Selector::EmailDomains(strings(&["example.com"])),
            Subject::User(&odd),
            &f
        ));
        let none = user("", &[], "corp");
        assert!(!selector_matches(
            &Selector::Emails(strings(&[""])),
            Subject::User(&none),
            &f
        ));
    }

    /// The include / require / exclude matrix, and the order of actions.
    #[test]
    fn policy_matrix() {
        let staff = Policy::new(
            "staff",
            PolicyAction::Allow,
            vec![
                Selector::EmailDomains(strings(&["example.com"])),
                Selector::Emails(strings(&["guest@partner.org"])),
            ],
        )
        .require(vec![
            Selector::IpRanges(vec!["10.0.0.0/8".parse().unwrap()]),
            Selector::Idps(strings(&["corp"])),
        ])
        .exclude(vec![Selector::Groups(strings(&["suspended"]))]);
        let policies = vec![
            Policy::new(
                "health",
                PolicyAction::Bypass,
                vec![Selector::IpRanges(vec!["192.0.2.0/24".parse().unwrap()])],
            ),
            Policy::new(
                "robots",
                PolicyAction::ServiceAuth,
                vec![Selector::ServiceTokens(strings(&["ci"]))],
            ),
            Policy::new(
                "blocked-net",
                PolicyAction::Block,
                vec![Selector::IpRanges(vec!["10.66.0.0/16".parse().unwrap()])],
            ),
            staff,
        ];
        let ana = user("ana@example.com", &["eng"], "corp");
        let guest = user("guest@partner.org", &[], "corp");
        let sus = user("sam@example.com", &["suspended"], "corp");
        let gh = user("gil@example.com", &[], "github");
        let eve = user("eve@evil.example", &[], "corp");
        let cases: Vec<(Subject<'_>, &str, Outcome)> = vec![
            (Subject::User(&ana), "10.1.1.1", Outcome::Allow(3)),
            (Subject::User(&guest), "10.1.1.1", Outcome::Allow(3)),
            // require: all of them.
            (Subject::User(&ana), "172.16.0.1", Outcome::NoMatch),
            (Subject::User(&gh), "10.1.1.1", Outcome::NoMatch),
            // exclude: none of them.
            (Subject::User(&sus), "10.1.1.1", Outcome::NoMatch),
            // include: any of them.
            (Subject::User(&eve), "10.1.1.1", Outcome::NoMatch),
            // block wins over allow.
            (Subject::User(&ana), "10.66.1.1", Outcome::Block(2)),
            // bypass wins over everything and ignores the session.
            (Subject::User(&sus), "192.0.2.9", Outcome::Bypass(0)),
            (Subject::Anonymous, "192.0.2.9", Outcome::Bypass(0)),
            (Subject::Anonymous, "10.1.1.1", Outcome::SignIn),
            (Subject::Anonymous, "10.66.1.1", Outcome::Block(2)),
            // service-auth before block; a token is never enough for allow.
            (Subject::Service("ci"), "10.66.1.1", Outcome::Allow(1)),
            (Subject::Service("other"), "10.1.1.1", Outcome::NoMatch),
        ];
        for (who, ip, want) in cases {
            assert_eq!(
                evaluate(&policies, who, &facts(ip)),
                want,
                "{who:?} from {ip}"
            );
        }
    }

    /// The security key selector and the webauthn method, against every way a person can
    /// have signed in.
    #[test]
    fn security_key_matrix() {
        let f = facts("10.1.2.3");
        let policies = vec![Policy::new(
            "keys",
            PolicyAction::Allow,
            vec![Selector::EmailDomains(strings(&["example.com"]))],
        )
        .require(vec![Selector::SecurityKey])];
        let by_method = vec![Policy::new(
            "webauthn",
            PolicyAction::Allow,
            vec![Selector::AuthMethods(vec![AuthMethod::Webauthn])],
        )];
        let oidc_only = vec![Policy::new(
            "oidc",
            PolicyAction::Allow,
            vec![Selector::AuthMethods(vec![AuthMethod::Oidc])],
        )];
        // (methods, security_key policy, auth_methods = webauthn, auth_methods = oidc)
        let cases = [
            (Methods::oidc(), false, false, true),
            // A key without user verification is presence only: not a security key sign-in.
            (Methods::webauthn(false), false, true, false),
            (Methods::webauthn(true), true, true, false),
            (
                Methods::oidc().and(Methods::webauthn(true)),
                true,
                true,
                true,
            ),
            (
                Methods::oidc().and(Methods::webauthn(false)),
                false,
                true,
                true,
            ),
            (Methods::default(), false, false, false),
        ];
        for (m, key, webauthn, oidc) in cases {
            let mut ana = user("ana@example.com", &[], "corp");
            ana.methods = m;
            let who = Subject::User(&ana);
            let granted = |p: &[Policy]| matches!(evaluate(p, who, &f), Outcome::Allow(0));
            assert_eq!(granted(&policies), key, "{m:?} security_key");
            assert_eq!(granted(&by_method), webauthn, "{m:?} webauthn");
            assert_eq!(granted(&oidc_only), oidc, "{m:?} oidc");
        }
        // Machines and nobody never have a key.
        for who in [Subject::Service("ci"), Subject::Anonymous] {
            assert!(!selector_matches(&Selector::SecurityKey, who, &f));
            assert!(!selector_matches(
                &Selector::AuthMethods(vec![AuthMethod::Webauthn]),
                who,
                &f
            ));
        }
        // Old cookies without methods were OpenID Connect sign-ins.
        let old: User =
            serde_json::from_str(r#"{"sub":"s","email":"","groups":[],"idp":"corp"}"#).unwrap();
        assert_eq!(old.methods, Methods::oidc());
        assert_eq!(
            Methods::oidc().and(Methods::webauthn(true)).amr(),
            vec!["oidc", "webauthn", "hwk", "mfa"]
        );
    }

    fn arb_user() -> impl Strategy<Value = User> {
        (
            prop::sample::select(vec!["ana", "bob", "", "x"]),
            prop::sample::select(vec!["example.com", "evil.example", "sub.example.com"]),
            prop::collection::vec(prop::sample::select(vec!["eng", "ops", "suspended"]), 0..3),
            prop::sample::select(vec!["corp", "github"]),
            (any::<bool>(), any::<bool>(), any::<bool>()),
        )
            .prop_map(|(l, d, g, i, (oidc, webauthn, uv))| User {
                sub: format!("{l}-{i}"),
                email: format!("{l}@{d}"),
                groups: g.into_iter().map(str::to_owned).collect(),
                idp: i.to_owned(),
                methods: Methods { oidc, webauthn, uv },
            })
    }

    fn arb_selector() -> impl Strategy<Value = Selector> {
        prop_oneof![
            Just(Selector::Everyone),
            Just(Selector::Emails(strings(&["ana@example.com"]))),
            Just(Selector::EmailDomains(strings(&["example.com"]))),
            Just(Selector::Groups(strings(&["suspended"]))),
            Just(Selector::Groups(strings(&["eng"]))),
            Just(Selector::Idps(strings(&["corp"]))),
            Just(Selector::AuthMethods(vec![AuthMethod::Oidc])),
            Just(Selector::AuthMethods(vec![AuthMethod::Webauthn])),
            Just(Selector::SecurityKey),
            Just(Selector::IpRanges(vec!["10.0.0.0/8".parse().unwrap()])),
            Just(Selector::AnyServiceToken),
            Just(Selector::ServiceTokens(strings(&["ci"]))),
            Just(Selector::ClientCertificate),
            Just(Selector::ClientCertificateCn(strings(&["svc-a"]))),
            Just(Selector::AuthMethods(vec![AuthMethod::Mtls])),
        ]
    }

    fn arb_action() -> impl Strategy<Value = PolicyAction> {
        prop::sample::select(vec![
            PolicyAction::Allow,
            PolicyAction::Block,
            PolicyAction::Bypass,
            PolicyAction::ServiceAuth,
        ])
    }

    fn arb_policy() -> impl Strategy<Value = Policy> {
        (
            arb_action(),
            prop::collection::vec(arb_selector(), 1..3),
            prop::collection::vec(arb_selector(), 0..2),
            prop::collection::vec(arb_selector(), 0..2),
        )
            .prop_map(|(a, i, r, e)| Policy::new("p", a, i).require(r).exclude(e))
    }

    fn arb_ip() -> impl Strategy<Value = IpAddr> {
        prop::sample::select(vec!["10.0.0.1", "192.0.2.1", "::1"]).prop_map(|s| s.parse().unwrap())
    }

    proptest! {
        /// A granted request always names a policy that matches it and whose action grants it;
        /// no matching block policy is ever skipped for an allow; an exclude match always
        /// keeps its policy from applying.
        #[test]
        fn outcomes_are_justified(
            policies in prop::collection::vec(arb_policy(), 0..6),
            u in arb_user(),
            ip in arb_ip(),
            kind in 0u8..4,
            with_cert in 0u8..3,
        ) {
            let cc = cert(&["app"], "svc-a");
            let who = match kind {
                0 => Subject::Anonymous,
                1 => Subject::User(&u),
                2 => Subject::Certificate(&cc),
                _ => Subject::Service("ci"),
            };
            // A certificate subject always comes with its certificate; otherwise none, one
            // for this application, or one for another application (which `check` drops).
            let other = cert(&["other"], "svc-a");
            let presented = match (kind, with_cert) {
                (2, _) | (_, 1) => Some(&cc),
                (_, 2) => Some(&other),
                _ => None,
            };
            let f = Facts {
                client: ip,
                country: None,
                cert: presented.filter(|c| c.is_verified_for("app")),
            };
            let any = |a: PolicyAction, w: Subject<'_>| {
                policies.iter().any(|p| p.action == a && matches(p, w, &f))
            };
            match evaluate(&policies, who, &f) {
                Outcome::Bypass(i) => {
                    prop_assert_eq!(policies[i].action, PolicyAction::Bypass);
                    prop_assert!(matches(&policies[i], Subject::Anonymous, &f));
                }
                Outcome::Allow(i) => {
                    let p = &policies[i];
                    prop_assert!(matches(p, who, &f));
                    prop_assert!(!any(PolicyAction::Bypass, Subject::Anonymous));
                    match who {
                        Subject::User(_) => {
                            prop_assert_eq!(p.action, PolicyAction::Allow);
                            prop_assert!(!any(PolicyAction::Block, who));
                        }
                        Subject::Service(_) | Subject::Certificate(_) => {
                            prop_assert_eq!(p.action, PolicyAction::ServiceAuth)
                        }
                        Subject::Anonymous => prop_assert!(false, "anonymous allowed"),
                    }
                    for s in &p.exclude {
                        prop_assert!(!selector_matches(s, who, &f));
                    }
                }
                Outcome::Block(i) => {
                    prop_assert_eq!(policies[i].action, PolicyAction::Block);
                    prop_assert!(matches(&policies[i], who, &f));
                }
                Outcome::SignIn => {
                    prop_assert!(matches!(who, Subject::Anonymous | Subject::Certificate(_)));
                    prop_assert!(!any(PolicyAction::Block, who));
                }
                Outcome::NoMatch => {
                    prop_assert!(!matches!(who, Subject::Anonymous | Subject::Certificate(_)));
                    prop_assert!(!any(PolicyAction::Block, who));
                    if let Subject::User(_) = who {
                        prop_assert!(!any(PolicyAction::Allow, who));
                    }
                }
            }
        }

        /// Adding an exclude selector never turns a refusal into a grant.
        #[test]
        fn exclude_only_narrows(
            mut policies in prop::collection::vec(arb_policy(), 1..5),
            extra in arb_selector(),
            u in arb_user(),
            ip in arb_ip(),
        ) {
            let f = Facts { client: ip, country: None, cert: None };
            let who = Subject::User(&u);
            let granted = |o: Outcome| matches!(o, Outcome::Allow(_) | Outcome::Bypass(_));
            let before = evaluate(&policies, who, &f);
            for p in policies.iter_mut().filter(|p| p.action != PolicyAction::Block) {
                p.exclude.push(extra.clone());
            }
            let after = evaluate(&policies, who, &f);
            prop_assert!(!granted(after) || granted(before), "{before:?} -> {after:?}");
        }
    }
}
