// Benchmarks: `dotnet run -c Release --project benchmarks/Rcnn.Benchmarks -- <name>`; no name lists them.
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["ops"] = Rcnn.Benchmarks.OpsBenchmark.Run,
    ["onnx"] = Rcnn.Benchmarks.OnnxBenchmark.Run,
    ["mlnet"] = Rcnn.Benchmarks.MLNetBenchmark.Run,
    ["mlnet-stages"] = Rcnn.Benchmarks.MLNetStagesBenchmark.Run,
    ["memory"] = Rcnn.Benchmarks.MemoryBenchmark.Run,
    ["model"] = Rcnn.Benchmarks.ModelBenchmark.Run,
    ["train"] = Rcnn.Benchmarks.TrainBenchmark.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.WriteLine("Benchmarks: " + (benchmarks.Count == 0 ? "(none yet)" : string.Join(", ", benchmarks.Keys)));
    return args.Length == 0 ? 0 : 2;
}
return run(args[1..]);
