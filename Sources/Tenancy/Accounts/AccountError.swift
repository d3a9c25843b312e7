/// What can go wrong with accounts, with a message fit for a person.
package enum AccountError: Error, Equatable, CustomStringConvertible {
    case emailTaken
    case notFound
    case lastOwner
    case invalidToken

    package var description: String {
        switch self {
        case .emailTaken: "An account with this email address already exists."
        case .notFound: "No such account."
        case .lastOwner: "Every tenant needs at least one owner; make someone else owner first."
        case .invalidToken: "This link is invalid or has expired. Ask for a new one."
        }
    }
}
