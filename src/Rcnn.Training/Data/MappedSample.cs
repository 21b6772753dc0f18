using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Data;

/// <summary>
/// One model input as detectron2's DatasetMapper returns it: the (C, H, W) float32 image (0..255, channels in INPUT.FORMAT),
/// training targets (null at test time, as detectron2 drops annotations there), and the original size for postprocessing.
/// The receiver owns the tensors and disposes them with <see cref="Dispose"/>; they belong to no dispose scope.
/// </summary>
public sealed class MappedSample : IDisposable
{
    public MappedSample(Tensor image, Instances? instances, DatasetRecord record)
    {
        Image = image ?? throw new ArgumentNullException(nameof(image));
        Instances = instances;
        Record = record ?? throw new ArgumentNullException(nameof(record));
    }

    public Tensor Image { get; }
    public Instances? Instances { get; }
    public DatasetRecord Record { get; }
    public string FileName => Record.FileName;
    public string ImageId => Record.ImageId;
    /// <summary>Original (dataset) height, detectron2's dataset_dict["height"].</summary>
    public int Height => Record.Height;
    public int Width => Record.Width;

    /// <summary>What the model takes: with the training targets, or (for inference) with the original size the
    /// outputs are rescaled to. The input shares this sample's tensors.</summary>
    public DetectionInput ToInput(bool training) =>
        training ? new DetectionInput(Image, Instances) : new DetectionInput(Image, Height: Height, Width: Width);

    public void Dispose()
    {
        Image.Dispose();
        if (Instances is null) return;
        foreach (var name in Instances.FieldNames)
        {
            var v = Instances.Get(name);
            if (v is Boxes b) b.Tensor.Dispose();
            else ((Tensor)v).Dispose();
        }
    }
}
