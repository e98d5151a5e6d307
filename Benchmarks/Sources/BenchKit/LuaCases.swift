import Foundation

/// The twelve cases of `shared/bench` as Lua functions: one source for Lua 5.4
/// (`LuaBaseline`) and LuaJIT (`LuaJITBaseline`), in the Lua 5.1 syntax both accept, with
/// the two computations whose idiomatic form differs between them given by the dialect.
public enum LuaCases {
    public enum Dialect: Sendable {
        /// Lua 5.4: integer floor division `//`, `utf8.len`.
        case lua54
        /// LuaJIT 2.1 (Lua 5.1): numbers are doubles and there is no `utf8` library.
        case luajit

        /// `a // b` for positive integers (CEL truncates; all operands here are positive).
        func floorDivide(_ a: String, _ b: String) -> String {
            switch self {
            case .lua54: "\(a) // \(b)"
            case .luajit: "math.floor(\(a) / \(b))"
            }
        }

        /// The number of code points of the UTF-8 string `s` (CEL's `size`). LuaJIT counts
        /// the bytes and subtracts the continuation bytes that `gsub` finds, the fastest
        /// correct count we found with its interpreter (a byte loop, `find` for an ASCII fast
        /// path and counting lead bytes are slower). `#s` alone would count bytes, not code points.
        func codePointCount(_ s: String) -> String {
            switch self {
            case .lua54: "utf8.len(\(s))"
            case .luajit: "#\(s) - select(2, string.gsub(\(s), \"[\\128-\\191]\", \"\"))"
            }
        }
    }

    /// The case functions as the global table `cases`, then the input as the global `input`.
    public static func program(_ dialect: Dialect, inputJSON: Data) -> String {
        source(dialect) + "\ninput = " + luaTable(fromJSON: inputJSON) + "\n"
    }

    /// The same computations as `shared/bench/cases.json`, written as idiomatic Lua.
    static func source(_ d: Dialect) -> String {
        """
        local set20 = {}
        for i = 1, 20 do set20[i] = true end
        cases = {
          trivial = function(v) return 1 end,
          int_arith = function(v) return (v.a + v.b) * v.c - \(d.floorDivide("v.a", "3")) + v.b % 7 end,
          dbl_arith = function(v) return (v.x * 1.5 + v.y) / (v.x - 0.5) * 2.0 end,
          str_concat = function(v) return v.s .. "-" .. v.t .. "-suffix" end,
          str_pred = function(v)
            return string.find(v.s, "test", 1, true) ~= nil and string.sub(v.s, 1, 5) == "hello"
          end,
          str_size = function(v) return \(d.codePointCount("v.s")) end,
          field_eq = function(v) return v.order.customer.tier == "gold" end,
          ternary_rule = function(v)
            local tier, total = v.order.customer.tier, v.order.total
            if tier == "platinum" then return total * 0.7
            elseif tier == "gold" then if total > 1000.0 then return total * 0.8 else return total * 0.9 end
            elseif tier == "silver" then return total * 0.95
            elseif total > 500.0 then return total - 10.0
            else return total end
          end,
          in_list20 = function(v) return set20[v.n] == true end,
          all_100 = function(v)
            for _, i in ipairs(v.items) do if not (i.price > 0) then return false end end
            return true
          end,
          map_100 = function(v)
            local r = {}
            for k, i in ipairs(v.items) do r[k] = i.qty * i.price end
            return #r
          end,
          filter_100 = function(v)
            local r, n = {}, 0
            for _, i in ipairs(v.items) do if i.qty > 5 then n = n + 1; r[n] = i end end
            return #r
          end,
        }
        """
    }

    /// Translates JSON text to a Lua table constructor: arrays and objects become tables,
    /// `"key":` becomes `["key"]=`; numbers keep Lua 5.4's integer/float distinction.
    static func luaTable(fromJSON data: Data) -> String {
        var out = ""
        var inString = false
        var escaped = false
        var pendingString = ""
        var lastWasString = false
        for scalar in String(decoding: data, as: UTF8.self).unicodeScalars {
            if inString {
                pendingString.unicodeScalars.append(scalar)
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" {
                    inString = false
                    lastWasString = true
                }
                continue
            }
            switch scalar {
            case "\"":
                inString = true
                pendingString = "\""
            case ":":
                out += "[" + pendingString + "]="
                pendingString = ""
                lastWasString = false
            default:
                if lastWasString, !scalar.properties.isWhitespace {
                    out += pendingString
                    pendingString = ""
                    lastWasString = false
                }
                switch scalar {
                case "[": out += "{"
                case "]": out += "}"
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + pendingString
    }
}
