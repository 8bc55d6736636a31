import Foundation

extension GenesysRegions {
    /// SDK region keys (the AWS region names the Genesys SDKs use) → Genesys domain
    /// (py SDK `purecloud_region_hosts.py`, v257).
    public static let sdkKeys: [String: String] = [
        "us_east_1": "mypurecloud.com",
        "us_east_2": "use2.us-gov-pure.cloud",
        "us_west_2": "usw2.pure.cloud",
        "ca_central_1": "cac1.pure.cloud",
        "sa_east_1": "sae1.pure.cloud",
        "mx_central_1": "mxc1.pure.cloud",
        "eu_west_1": "mypurecloud.ie",
        "eu_west_2": "euw2.pure.cloud",
        "eu_central_1": "mypurecloud.de",
        "eu_central_2": "euc2.pure.cloud",
        "me_central_1": "mec1.pure.cloud",
        "ap_south_1": "aps1.pure.cloud",
        "ap_southeast_1": "apse1.pure.cloud",
        "ap_southeast_2": "mypurecloud.com.au",
        "ap_northeast_1": "mypurecloud.jp",
        "ap_northeast_2": "apne2.pure.cloud",
        "ap_northeast_3": "apne3.pure.cloud",
    ]

    /// SDK keys in the order of ``domains``.
    static var orderedSDKKeys: [String] {
        domains.compactMap { domain in sdkKeys.first { $0.value == domain }?.key }
    }

    /// The Genesys domain for a region written as a domain (`mypurecloud.de`) or an SDK key
    /// (`eu_central_1`, also `eu-central-1`, any case). Nil when unknown.
    public static func domain(forRegion region: String) -> String? {
        let r = region.trimmingWhitespace().lowercased()
        if domains.contains(r) { return r }
        return sdkKeys[r.replacingOccurrences(of: "-", with: "_")]
    }
}
