import Hummingbird
import SwitchboardCore

/// `GET /api/v2/organizations/me` (OrganizationApi getOrganizationsMe): the caller's org (py-model `Organization`).
extension GenesysSimulator {
    /// Country and language by org: the three named orgs look like their regions; the rest like `us`.
    public static func locale(of org: String) -> (country: String, language: String) {
        switch org {
        case "emea": ("DE", "de")
        case "apac": ("JP", "ja")
        default: ("US", "en-us")
        }
    }

    func addOrganizationRoutes(_ router: Router<SimRequestContext>) {
        router.get("/api/v2/organizations/me") { [self] request, _ in
            await api(request) { caller in
                let organizationID = caller.org.with { $0.model.organizationID }
                let locale = Self.locale(of: caller.org.id)
                var w = JSONWriter()
                w.object { w in
                    w.field("id", plain: organizationID)
                    w.field("name", "\(caller.org.id.uppercased()) Contact Centre (simulated)")
                    w.field("defaultLanguage", plain: locale.language)
                    w.field("defaultCountryCode", plain: locale.country)
                    w.field("domain", "\(caller.org.id)-simulated")
                    w.field("thirdPartyOrgName", "\(caller.org.id)-simulated")
                    w.field("version", 1)
                    w.field("state", plain: "active")
                    w.field("voicemailEnabled", true)
                    w.field("productPlatform", plain: "GenesysCloud")
                    w.field("selfUri", "/api/v2/organizations/\(organizationID)")
                }
                return .success((.ok, w.bytes))
            }
        }
    }
}
