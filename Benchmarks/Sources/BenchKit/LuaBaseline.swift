import CLua
import Foundation

/// The twelve cases as Lua 5.4 functions, loaded once and called from Swift through the
/// C API with the input table already built: a mature embeddable interpreter without a JIT.
public final class LuaBaseline {
    private let state: OpaquePointer

    /// Creates a Lua state with the standard libraries, the case functions (`LuaCases`) and
    /// the input as the global `input`.
    public init(inputJSON: Data) throws {
        guard let L = luaL_newstate() else { throw BenchError("lua: cannot create a state") }
        state = L
        luaL_openlibs(L)
        let program = LuaCases.program(.lua54, inputJSON: inputJSON)
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
}
