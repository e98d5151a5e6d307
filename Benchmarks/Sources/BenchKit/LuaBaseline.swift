import CLua
import Foundation

/// The twelve cases as Lua 5.4 functions, loaded once and called from Swift through the
/// C API with the input table already built: a mature embeddable interpreter without a JIT.
public final class LuaBaseline {
    /// The same computations as `shared/bench/cases.json`, written as idiomatic Lua.
    /// (`//` floors where CEL truncates; all operands here are positive, so results agree.)
    static let source = """
    local set20 = {}
    for i = 1, 20 do set20[i] = true end
    cases = {
      trivial = function(v) return 1 end,
      int_arith = function(v) return (v.a + v.b) * v.c - v.a // 3 + v.b % 7 end,
      dbl_arith = function(v) return (v.x * 1.5 + v.y) / (v.x - 0.5) * 2.0 end,
      str_concat = function(v) return v.s .. "-" .. v.t .. "-suffix" end,
      str_pred = function(v)
        return string.find(v.s, "test", 1, true) ~= nil and string.sub(v.s, 1, 5) == "hello"
      end,
      str_size = function(v) return utf8.len(v.s) end,
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

    private let state: OpaquePointer

    /// Creates a Lua state with the standard libraries, the case functions and the input
    /// (converted from JSON to a Lua table constructor) as the global `input`.
    public init(inputJSON: Data) throws {
        guard let L = luaL_newstate() else { throw BenchError("lua: cannot create a state") }
        state = L
        luaL_openlibs(L)
        let program = LuaBaseline.source + "\ninput = " + LuaBaseline.luaTable(fromJSON: inputJSON) + "\n"
        if clua_dostring(L, program) != 0 {
            let message = clua_tostring(L, -1).map { String(cString: $0) } ?? "unknown error"
            throw BenchError("lua: \(message)")
        }
    }

    deinit { lua_close(state) }

    /// Pushes `cases[name]` and `input` once; returns a closure that calls it and pops the result.
    public func caller(for name: String) throws -> () -> Void {
        let L = state
        guard clua_getglobal(L, "cases") == LUA_TTABLE else { throw BenchError("lua: no cases table") }
        guard lua_getfield(L, -1, name) == LUA_TFUNCTION else { throw BenchError("lua: no case \(name)") }
        let ref = luaL_ref(L, clua_registryindex())
        clua_pop(L, 1)
        _ = clua_getglobal(L, "input")
        let inputRef = luaL_ref(L, clua_registryindex())
        return {
            lua_rawgeti(L, clua_registryindex(), lua_Integer(ref))
            lua_rawgeti(L, clua_registryindex(), lua_Integer(inputRef))
            _ = clua_pcall(L, 1, 1)
            clua_pop(L, 1)
        }
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
