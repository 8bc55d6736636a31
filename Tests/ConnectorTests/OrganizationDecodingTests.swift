import Foundation
import GenesysAPI
import Testing

@Suite("GET /api/v2/organizations/me")
struct OrganizationDecodingTests {
    @Test func decodesTheIdAndNameAndIgnoresTheRest() throws {
        let json = #"""
        {"id":"1b2c3d4e-0000-4000-8000-00000000abcd","name":"Example Corp","defaultLanguage":"en-us",
         "thirdPartyOrgName":"example","domain":"example","version":12,"state":"active","defaultSiteId":"x",
         "features":{"realtimeCIC":true},"selfUri":"/api/v2/organizations/1b2c3d4e-0000-4000-8000-00000000abcd"}
        """#
        let org = try JSONDecoder().decode(GenesysOrganization.self, from: Data(json.utf8))
        #expect(org == GenesysOrganization(id: "1b2c3d4e-0000-4000-8000-00000000abcd", name: "Example Corp"))
    }

    @Test func anAnswerWithoutAnIdIsRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(GenesysOrganization.self, from: Data(#"{"name":"x"}"#.utf8))
        }
    }
}
