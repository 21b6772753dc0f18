using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>Raw access to the storage of contiguous CPU tensors, for the hand-written kernels (NMS, ROIAlign).</summary>
internal static unsafe class CpuTensorData
{
    /// <summary>Pointer to the first element. The tensor must be contiguous, on the CPU, and stay alive while the pointer is used.</summary>
    public static T* Pointer<T>(Tensor tensor) where T : unmanaged
    {
        if (tensor.numel() == 0) return null;
        // Tensor.bytes is a span over the native storage (no copy), starting at the tensor's own offset.
        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
    }

    /// <summary>A contiguous float32 CPU copy (or the tensor itself when it already is one), detached from autograd.</summary>
    public static Tensor Float32(Tensor tensor) =>
        tensor.detach().to(ScalarType.Float32, CPU).contiguous();

    public static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";
}
