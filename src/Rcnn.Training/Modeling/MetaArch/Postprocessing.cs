using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>Rescales detections from the resized model input back to the caller's image (detectron2's
/// <c>detector_postprocess</c>).</summary>
public static class Postprocessing
{
    /// <summary>Scales pred_boxes (or proposal_boxes) by output/input size per axis, clips to the output size, and
    /// drops boxes left with no area.</summary>
    public static Instances DetectorPostprocess(Instances results, int outputHeight, int outputWidth)
    {
        var (inH, inW) = results.ImageSize;
        double sx = (double)outputWidth / inW, sy = (double)outputHeight / inH;
        var output = new Instances(outputHeight, outputWidth);
        foreach (var name in results.FieldNames)
        {
            var value = results.Get(name);
            output = value is Boxes b ? output.Set(name, b.Clone()) : output.Set(name, (Tensor)value);
        }
        string field = output.Has(Instances.PredBoxesField) ? Instances.PredBoxesField
            : output.Has(Instances.ProposalBoxesField) ? Instances.ProposalBoxesField : "";
        if (field.Length == 0) return output;
        var boxes = output.GetBoxes(field);
        boxes.Scale(sx, sy).Clip(outputHeight, outputWidth);
        return output[boxes.NonEmpty()];
    }
}
