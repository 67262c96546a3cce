using System.Reflection;
using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project tests/Suite.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args);
