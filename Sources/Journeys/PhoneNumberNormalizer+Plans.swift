extension PhoneNumberNormalizer {
    /// The numbering plans ``init(defaultCountry:)`` knows: enough to write national numbers of the countries
    /// contact centres usually serve in E.164. Another country can be given as a ``Plan``.
    static let plans: [String: Plan] = {
        let nanp = Plan(callingCode: "1", trunkPrefix: "1", internationalPrefixes: ["011"], nationalLengths: 10...10)
        func europe(_ cc: String, keeps: Bool = false) -> Plan {
            Plan(callingCode: cc, trunkPrefix: keeps ? nil : "0", internationalPrefixes: ["00"],
                 keepsTrunkPrefix: keeps)
        }
        return [
            "US": nanp, "CA": nanp, "PR": nanp,
            "GB": europe("44"), "IE": europe("353"), "FR": europe("33"), "DE": europe("49"), "ES": europe("34"),
            "PT": europe("351"), "NL": europe("31"), "BE": europe("32"), "CH": europe("41"), "AT": europe("43"),
            "SE": europe("46"), "NO": europe("47"), "DK": europe("45"), "FI": Plan(
                callingCode: "358", trunkPrefix: "0", internationalPrefixes: ["00", "990", "994", "999"]),
            "PL": europe("48"), "CZ": europe("420"), "GR": europe("30"), "ZA": europe("27"), "TR": europe("90"),
            "IT": europe("39", keeps: true), "SM": europe("378", keeps: true),
            "AU": Plan(callingCode: "61", trunkPrefix: "0", internationalPrefixes: ["0011"]),
            "NZ": europe("64"), "IN": europe("91"), "AE": europe("971"), "SG": Plan(
                callingCode: "65", trunkPrefix: nil, internationalPrefixes: ["000", "001", "008"]),
            "JP": Plan(callingCode: "81", trunkPrefix: "0", internationalPrefixes: ["010"]),
            "BR": Plan(callingCode: "55", trunkPrefix: "0", internationalPrefixes: ["00"]),
            "MX": Plan(callingCode: "52", trunkPrefix: nil, internationalPrefixes: ["00"]),
        ]
    }()
}
