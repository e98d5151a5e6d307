import Foundation

/// The twelve cases (`LuaCases`, LuaJIT dialect) run by LuaJIT 2.1 (Debian `luajit`), with
/// its JIT off (the interpreter, as `luajit -joff`: the anchor CEL is compared with) or on
/// (for reference), called through its C API exactly as `LuaBaseline` calls Lua 5.4.
///
/// LuaJIT's C API has the same symbol names as Lua 5.4's, which this process links, so the
/// library is opened with `dlopen` and its functions found with `dlsym`. `RTLD_LOCAL` alone
/// is not enough: LuaJIT calls its own exported `lua_*` functions through relocations
/// (`luaopen_base`, ...), which the loader would bind to Lua 5.4's, first in the global
/// scope. `RTLD_DEEPBIND` makes the library resolve them within itself. (A subprocess would
/// avoid the question too, but could not call a case the way a host does: the table would
/// then compare Lua 5.4 called from a host with LuaJIT looping in Lua.)
public final class LuaJITBaseline {
    private typealias State = OpaquePointer
    private let state: State
    private let pcall: @convention(c) (State, Int32, Int32, Int32) -> Int32
    private let rawgeti: @convention(c) (State, Int32, Int32) -> Void
    private let settop: @convention(c) (State, Int32) -> Void
    private let getfield: @convention(c) (State, Int32, UnsafePointer<CChar>) -> Void
    private let pushstring: @convention(c) (State, UnsafePointer<CChar>) -> Void
    private let tolstring: @convention(c) (State, Int32, UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>?
    private let ref: @convention(c) (State, Int32) -> Int32
    private let type: @convention(c) (State, Int32) -> Int32
    private let close: @convention(c) (State) -> Void
    private static let registryIndex: Int32 = -10000
    private static let globalsIndex: Int32 = -10002
    public let label: String

    /// Opens `libluajit-5.1.so.2`, creates a state with the standard libraries, turns the
    /// JIT off unless `jit`, and loads the case functions and the input (global `input`).
    public init(inputJSON: Data, jit: Bool) throws {
        label = jit ? "LuaJIT" : "LuaJIT -joff"
        guard let library = dlopen("libluajit-5.1.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) else {
            throw BenchError("cannot open libluajit-5.1.so.2 (apt-get install luajit): \(String(cString: dlerror()))")
        }
        func symbol<F>(_ name: String, as type: F.Type) throws -> F {
            guard let address = dlsym(library, name) else { throw BenchError("libluajit: no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        let newstate = try symbol("luaL_newstate", as: (@convention(c) () -> State?).self)
        let openlibs = try symbol("luaL_openlibs", as: (@convention(c) (State) -> Void).self)
        let loadbuffer = try symbol("luaL_loadbuffer",
                                    as: (@convention(c) (State, UnsafePointer<CChar>, Int, UnsafePointer<CChar>) -> Int32).self)
        pcall = try symbol("lua_pcall", as: (@convention(c) (State, Int32, Int32, Int32) -> Int32).self)
        rawgeti = try symbol("lua_rawgeti", as: (@convention(c) (State, Int32, Int32) -> Void).self)
        settop = try symbol("lua_settop", as: (@convention(c) (State, Int32) -> Void).self)
        getfield = try symbol("lua_getfield", as: (@convention(c) (State, Int32, UnsafePointer<CChar>) -> Void).self)
        pushstring = try symbol("lua_pushstring", as: (@convention(c) (State, UnsafePointer<CChar>) -> Void).self)
        tolstring = try symbol("lua_tolstring",
                               as: (@convention(c) (State, Int32, UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>?).self)
        ref = try symbol("luaL_ref", as: (@convention(c) (State, Int32) -> Int32).self)
        type = try symbol("lua_type", as: (@convention(c) (State, Int32) -> Int32).self)
        close = try symbol("lua_close", as: (@convention(c) (State) -> Void).self)
        guard let L = newstate() else { throw BenchError("\(label): cannot create a state") }
        state = L
        openlibs(L)
        // `jit.off()` is what `luajit -joff` runs before the script.
        let program = (jit ? "" : "jit.off()\n") + LuaCases.program(.luajit, inputJSON: inputJSON)
            + "\nfunction describe(name) return tostring(cases[name](input)) end\n"
        let status = program.withCString { text in
            loadbuffer(L, text, strlen(text), "=cases") == 0 ? pcall(L, 0, 0, 0) : 1
        }
        if status != 0 { throw BenchError("\(label): \(popString() ?? "unknown error")") }
    }

    deinit { close(state) }

    /// Pushes `cases[name]` and `input` once; returns a closure that calls it and pops the result.
    public func caller(for name: String) throws -> () -> Void {
        let (L, rawgeti, pcall, settop) = (state, rawgeti, pcall, settop)
        getfield(L, Self.globalsIndex, "cases")
        getfield(L, -1, name)
        guard type(L, -1) == 6 else { throw BenchError("\(label): no case \(name)") } // LUA_TFUNCTION
        let caseRef = ref(L, Self.registryIndex)
        settop(L, -2)
        getfield(L, Self.globalsIndex, "input")
        let inputRef = ref(L, Self.registryIndex)
        return {
            rawgeti(L, Self.registryIndex, caseRef)
            rawgeti(L, Self.registryIndex, inputRef)
            _ = pcall(L, 1, 1, 0)
            settop(L, -2)
        }
    }

    /// `tostring` of one call's result, for checking that LuaJIT computes what CEL computes.
    public func result(of name: String) throws -> String {
        getfield(state, Self.globalsIndex, "describe")
        pushstring(state, name)
        let status = pcall(state, 1, 1, 0)
        guard let text = popString(), status == 0 else { throw BenchError("\(label): \(name) failed") }
        return text
    }

    private func popString() -> String? {
        defer { settop(state, -2) }
        return tolstring(state, -1, nil).map { String(cString: $0) }
    }
}
