/// The account user names WHM's createacct accepts (cPanel's documented rules, CONTRACTS.md §2.3), as the server
/// checks them: the simulator's own check, never the portal's.
enum CPanelUsername {
    /// WHM's reason for refusing `name`; nil when it is accepted.
    static func refusal(_ name: String) -> String? {
        guard (1...16).contains(name.count) else { return "must be 1 to 16 characters" }
        for character in name {
            guard character.isASCII else { return "may hold only letters and digits" }
            if character.isUppercase { return "must be lower case" }
            guard character.isLowercase || character.isNumber else { return "may hold only letters and digits" }
        }
        if let first = name.first, first.isNumber { return "cannot start with a digit" }
        if name.starts(with: "test") { return "cannot start with \"test\"" }
        return nil
    }
}
