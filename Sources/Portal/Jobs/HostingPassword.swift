import Branding
import Foundation
import Integrations
import Tenancy

/// cPanel passwords the portal chooses: long, random, with every character class cPanel's strength check wants.
enum HostingPassword {
    static func generate() -> String {
        let lower = Array("abcdefghijkmnpqrstuvwxyz"), upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let digits = Array("23456789"), symbols = Array("!#%+-=?@^_")
        let all = lower + upper + digits + symbols
        var characters = [
            lower.randomElement()!, upper.randomElement()!, digits.randomElement()!, symbols.randomElement()!,
        ]
        while characters.count < 20 { characters.append(all.randomElement()!) }
        return String(characters.shuffled())
    }
}
