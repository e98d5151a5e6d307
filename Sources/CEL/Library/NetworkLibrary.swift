/// Kubernetes' CEL network library (`k8s.io/apiserver/pkg/cel/library`, `ip.go` and
/// `cidr.go`), with its function names, overload ids, type names (`net.IP`, `net.CIDR`) and
/// error texts. Addresses are parsed by `NetworkParser` (Go's `netip` rules): IPv4 and IPv6,
/// no zones, no IPv4-mapped IPv6 forms, no leading zeros in IPv4 fields. Parsing overloads
/// are charged by the length of the text (`LibraryCosts`); the others do constant work.
public enum NetworkLibrary {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        [
            FunctionDecl(name: "ip", overloads: [
                Core.unary("string_to_ip", .string, .ip) { v in
                    guard case .string(let s) = v else { return Core.noOverload("ip", v) }
                    return parseIP(s)
                },
                Core.unary("cidr_ip", .cidr, .ip, instance: true) { v in
                    guard case .cidr(let c) = v else { return Core.noOverload("ip", v) }
                    return .ip(c.address)
                },
            ]),
            FunctionDecl(name: "cidr", overloads: [
                Core.unary("string_to_cidr", .string, .cidr) { v in
                    guard case .string(let s) = v else { return Core.noOverload("cidr", v) }
                    return parseCIDR(s)
                },
            ]),
            FunctionDecl(name: "isIP", overloads: [
                Core.unary("is_ip", .string, .bool) { v in
                    guard case .string(let s) = v else { return Core.noOverload("isIP", v) }
                    return .bool((try? NetworkParser.ip(s)) != nil)
                },
            ]),
            FunctionDecl(name: "isCIDR", overloads: [
                Core.unary("is_cidr", .string, .bool) { v in
                    guard case .string(let s) = v else { return Core.noOverload("isCIDR", v) }
                    return .bool((try? NetworkParser.cidr(s)) != nil)
                },
            ]),
            FunctionDecl(name: "ip.isCanonical", overloads: [
                Core.unary("ip_is_canonical", .string, .bool) { v in
                    guard case .string(let s) = v else { return Core.noOverload("ip.isCanonical", v) }
                    let parsed = parseIP(s)
                    guard case .ip(let ip) = parsed else { return parsed }
                    return .bool(ip.canonicalText.utf8.elementsEqual(s.utf8))
                },
            ]),
            FunctionDecl(name: "family", overloads: [
                Core.unary("ip_family", .ip, .int, instance: true) { v in
                    guard case .ip(let ip) = v else { return Core.noOverload("family", v) }
                    return .int(Int64(ip.family))
                },
            ]),
            predicate("isUnspecified", "ip_is_unspecified", { $0.isUnspecified }),
            predicate("isLoopback", "ip_is_loopback", { $0.isLoopback }),
            predicate("isLinkLocalMulticast", "ip_is_link_local_multicast", { $0.isLinkLocalMulticast }),
            predicate("isLinkLocalUnicast", "ip_is_link_local_unicast", { $0.isLinkLocalUnicast }),
            predicate("isGlobalUnicast", "ip_is_global_unicast", { $0.isGlobalUnicast }),
            FunctionDecl(name: "containsIP", overloads: [
                Core.binary("cidr_contains_ip_string", .cidr, .string, .bool, instance: true) { c, s in
                    guard case .cidr(let cidr) = c, case .string(let text) = s else { return Core.noOverload("containsIP", c, s) }
                    let parsed = parseIP(text)
                    guard case .ip(let ip) = parsed else { return parsed }
                    return .bool(cidr.contains(ip))
                },
                Core.binary("cidr_contains_ip_ip", .cidr, .ip, .bool, instance: true) { c, i in
                    guard case .cidr(let cidr) = c, case .ip(let ip) = i else { return Core.noOverload("containsIP", c, i) }
                    return .bool(cidr.contains(ip))
                },
            ]),
            FunctionDecl(name: "containsCIDR", overloads: [
                Core.binary("cidr_contains_cidr_string", .cidr, .string, .bool, instance: true) { c, s in
                    guard case .cidr(let cidr) = c, case .string(let text) = s else { return Core.noOverload("containsCIDR", c, s) }
                    let parsed = parseCIDR(text)
                    guard case .cidr(let other) = parsed else { return parsed }
                    return .bool(cidr.contains(other))
                },
                Core.binary("cidr_contains_cidr", .cidr, .cidr, .bool, instance: true) { c, o in
                    guard case .cidr(let cidr) = c, case .cidr(let other) = o else { return Core.noOverload("containsCIDR", c, o) }
                    return .bool(cidr.contains(other))
                },
            ]),
            FunctionDecl(name: "prefixLength", overloads: [
                Core.unary("cidr_prefix_length", .cidr, .int, instance: true) { v in
                    guard case .cidr(let c) = v else { return Core.noOverload("prefixLength", v) }
                    return .int(Int64(c.prefixLength))
                },
            ]),
            FunctionDecl(name: "masked", overloads: [
                Core.unary("cidr_masked", .cidr, .cidr, instance: true) { v in
                    guard case .cidr(let c) = v else { return Core.noOverload("masked", v) }
                    return .cidr(c.masked)
                },
            ]),
            FunctionDecl(name: "string", overloads: [
                Core.unary("ip_to_string", .ip, .string) { v in
                    guard case .ip(let ip) = v else { return Core.noOverload("string", v) }
                    return .string(ip.canonicalText)
                },
                Core.unary("cidr_to_string", .cidr, .string) { v in
                    guard case .cidr(let c) = v else { return Core.noOverload("string", v) }
                    return .string(c.canonicalText)
                },
            ]),
        ]
    }

    /// `ip(text)`: the address, or Kubernetes' error for the text.
    static func parseIP(_ text: String) -> Value {
        do {
            return .ip(try NetworkParser.ip(text))
        } catch {
            return .error(CELError(error.message))
        }
    }

    /// `cidr(text)`: the network, or Kubernetes' error for the text.
    static func parseCIDR(_ text: String) -> Value {
        do {
            return .cidr(try NetworkParser.cidr(text))
        } catch {
            return .error(CELError(error.message))
        }
    }

    private static func predicate(_ name: String, _ id: String, _ test: @escaping @Sendable (CELIP) -> Bool) -> FunctionDecl {
        FunctionDecl(name: name, overloads: [
            Core.unary(id, .ip, .bool, instance: true) { v in
                guard case .ip(let ip) = v else { return Core.noOverload(name, v) }
                return .bool(test(ip))
            },
        ])
    }
}
