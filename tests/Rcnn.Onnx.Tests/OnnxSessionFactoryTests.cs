using Microsoft.ML.OnnxRuntime;
using Rcnn.Onnx.Protos;

namespace Rcnn.Onnx.Tests;

/// <summary>Execution-provider selection. This machine's ONNX Runtime is the CPU build, so asking for a GPU must fall
/// back to the CPU and say why; the CUDA path itself cannot be exercised here.</summary>
[TestClass]
public sealed class OnnxSessionFactoryTests
{
    /// <summary>y = x + 1, hand-checkable.</summary>
    private static byte[] AddOne()
    {
        var g = new OnnxGraphBuilder("add_one");
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, 2);
        g.AddOutput(g.AddNode("Add", "y", new[] { x, g.AddConstant("one", 1f) }), TensorProto.Types.DataType.Float, 2);
        return g.ToBytes();
    }

    [TestMethod]
    public void GpuRequest_WithoutCudaProvider_FallsBackToCpu_AndLogsWhy()
    {
        Assert.IsFalse(OrtEnv.Instance().GetAvailableProviders().Contains(OnnxSessionFactory.CudaProvider),
            "this test expects the CPU build of ONNX Runtime");
        var messages = new List<string>();
        using var session = OnnxSessionFactory.Create(AddOne(), gpuDeviceId: 0, log: messages.Add);
        Assert.AreEqual(1, messages.Count);
        StringAssert.Contains(messages[0], "GPU 0");
        StringAssert.Contains(messages[0], "CUDAExecutionProvider");
        StringAssert.Contains(messages[0], "CPU");
        using var input = OrtValue.CreateTensorValueFromMemory(new[] { 1f, 2.5f }, new long[] { 2 });
        using var output = session.Run(new RunOptions(), new[] { "x" }, new[] { input }, new[] { "y" });
        CollectionAssert.AreEqual(new[] { 2f, 3.5f }, output[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [TestMethod]
    public void CpuRequest_LogsNothing_AndRejectsBadArguments()
    {
        var messages = new List<string>();
        using (OnnxSessionFactory.Create(AddOne(), gpuDeviceId: null, log: messages.Add)) { }
        Assert.AreEqual(0, messages.Count);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OnnxSessionFactory.CreateOptions(gpuDeviceId: -1));
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => OnnxSessionFactory.Create("/nonexistent/model.onnx"));
        StringAssert.Contains(e.Message, "/nonexistent/model.onnx");
    }
}
