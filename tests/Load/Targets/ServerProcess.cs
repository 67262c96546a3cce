namespace Suite.Load.Targets;

/// <summary>One server process and what it is in the system (<c>room</c>, <c>room sidecar</c>, <c>edge-0</c>, <c>redis-server</c>, <c>seed-ws-1</c>).</summary>
internal readonly record struct ServerProcess(int Pid, string Role);
