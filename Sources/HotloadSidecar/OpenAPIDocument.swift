/// The OpenAPI 3.1 document of the sidecar's HTTP API, served at `GET /openapi.json`.
///
/// The text is `openapi.json` beside this file, compiled into the binary by SwiftPM
/// (`.embedInCode`, as `PackageResources.openapi_json`): the node needs no file beside it at
/// run time, and the document it serves cannot drift from the one in the repository.
enum OpenAPIDocument {
    /// `GET /openapi.json`. No token needed: the document is the same for every node and
    /// tells nothing about the node's release, modules or configuration, and client
    /// generators and API tooling fetch it before they have credentials.
    static func reply() -> SidecarReply {
        SidecarReply(status: 200, body: PackageResources.openapi_json)
    }
}
