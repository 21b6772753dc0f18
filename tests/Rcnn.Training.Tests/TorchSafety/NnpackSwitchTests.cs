using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.TorchSafety;

[TestClass]
public class NnpackSwitchTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    // Loading turns libtorch's flag off; read back through libtorch's own getter, then flipped and restored.
    [TestMethod]
    public void LoadingTurnsLibtorchsFlagOff()
    {
        Assert.IsFalse(TorchRuntime.IsNnpackEnabled);
        try
        {
            TorchRuntime.SetNnpackEnabled(true);
            Assert.IsTrue(TorchRuntime.IsNnpackEnabled);
        }
        finally
        {
            TorchRuntime.SetNnpackEnabled(false);
        }
        Assert.IsFalse(TorchRuntime.IsNnpackEnabled);
    }

    // A one-image 3x3 convolution too small for oneDNN is where libtorch asks NNPACK whether the CPU is supported; on CPUs
    // NNPACK does not support that logs to the native stderr. With the flag off nothing is logged. With it on the line
    // appears only on such CPUs, so that half is reported rather than asserted.
    [TestMethod]
    public void SmallInferenceConvolutionLogsNothing()
    {
        using var _ = NewDisposeScope();
        using var noGrad = no_grad();
        var gen = new TorchSharp.torch.Generator(3);
        var x = randn([1, 8, 10, 10], generator: gen);
        var w = randn([8, 8, 3, 3], generator: gen);
        string off = NativeStderr(() => nn.functional.conv2d(x, w, padding: [1, 1]));
        Assert.IsFalse(off.Contains("NNPACK", StringComparison.Ordinal), off);
        string on;
        try
        {
            TorchRuntime.SetNnpackEnabled(true);
            on = NativeStderr(() => nn.functional.conv2d(x, w, padding: [1, 1]));
        }
        finally
        {
            TorchRuntime.SetNnpackEnabled(false);
        }
        Console.WriteLine(on.Contains("NNPACK", StringComparison.Ordinal)
            ? "With NNPACK on, libtorch logged: " + on.Trim()
            : "With NNPACK on, nothing was logged either: this CPU is one NNPACK supports.");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int dup2(int fd, int fd2);

    // What native code writes to file descriptor 2 while `action` runs (libtorch's c10 logging writes there unbuffered).
    private static string NativeStderr(Action action)
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                int saved = dup(2);
                Assert.IsTrue(saved >= 0, $"dup(2) failed: {Marshal.GetLastPInvokeError()}");
                Assert.IsTrue(dup2((int)file.SafeFileHandle.DangerousGetHandle(), 2) >= 0, $"dup2 failed: {Marshal.GetLastPInvokeError()}");
                try
                {
                    action();
                }
                finally
                {
                    dup2(saved, 2);
                    Close(saved);
                }
            }
            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
