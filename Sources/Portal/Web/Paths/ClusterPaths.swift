/// Node-to-node routes of a cluster, answered on any host.
package enum ClusterPaths {
    /// Where a node receives a tenant's snapshot during a move (PUT, with the move's token).
    package static let receive = RoutePath("/internal/cluster/receive/{slug}")
    /// The SHA-256 of the streamed archive, checked by the receiving node.
    package static let digestHeader = "Portal-Archive-SHA256"
}
