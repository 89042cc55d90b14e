"""Turn the int8 Kokoro model into a float32 one for GPUs: same weights, float arithmetic.

The only Kokoro model the registries carry is dynamically quantised (onnxruntime's `quantize_dynamic`): its
MatMulInteger, ConvInteger and DynamicQuantizeLSTM nodes have no CUDA kernels, so on a GPU onnxruntime runs them on the
CPU and copies tensors back and forth on every run (docs/production.md has the GPU figures).
Rewriting each quantised node as its float original, with the int8 weights dequantised once here, lets every node run
on the GPU. The weights keep their int8 precision, so the voice is the int8 model's.

    python -m resonance.speech.dequantize tools/speech/kokoro-v1.0.int8.onnx tools/speech/kokoro-v1.0.fp32.onnx

Needs the `onnx` package (requirements-gpu.txt); the CPU path never imports this module.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def dequantize(source: Path, target: Path) -> dict[str, int]:
    """Write the float model to `target`; returns how many nodes of each kind were rewritten."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def array(name: str) -> np.ndarray:
        return numpy_helper.to_array(weights[name])

    def scale_of(mul_input: str) -> np.ndarray:
        """The weight scale behind `Mul(activation_scale, weight_scale)`, which quantize_dynamic feeds the output Mul."""
        node = producer[mul_input]
        return next(array(name) for name in node.input if name in weights)

    added, dropped, new_weights, counts = [], set(), [], {"MatMulInteger": 0, "ConvInteger": 0, "DynamicQuantizeLSTM": 0}
    for node in list(graph.node):
        if node.op_type in ("MatMulInteger", "ConvInteger"):
            source_x = producer[node.input[0]]  # DynamicQuantizeLinear(x)
            after, bias = consumers[node.output[0]][0], None
            if after.op_type == "Add":  # a Conv's bias, quantised at run time: Reshape(Cast(Floor(Div(bias, s))))
                bias = _float_bias(producer, weights, next(n for n in after.input if n != node.output[0]))
                dropped.add(id(after))
                after = consumers[after.output[0]][0]
            cast = after
            rescale = consumers[cast.output[0]][0]  # Mul(cast, scale) -> the float result
            scale_name = next(name for name in rescale.input if name != cast.output[0])
            scale = scale_of(scale_name)
            quantised = array(node.input[1]).astype(np.float32)
            zero = array(node.input[3]).astype(np.float32) if len(node.input) > 3 and node.input[3] else 0.0
            if node.op_type == "MatMulInteger":  # weight [K, N], per output column N
                weight = (quantised - zero) * scale
            else:  # weight [M, C, k...], per output channel M
                shape = (-1,) + (1,) * (quantised.ndim - 1)
                weight = (quantised - np.reshape(zero, shape)) * np.reshape(scale, shape)
            name = node.input[1].removesuffix("_quantized") + "_dequantized"
            if name not in {w.name for w in new_weights}:
                new_weights.append(numpy_helper.from_array(weight.astype(np.float32), name))
            inputs = [source_x.input[0], name] + ([bias] if bias else [])
            float_op = "MatMul" if node.op_type == "MatMulInteger" else "Conv"
            attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            added.append((node, helper.make_node(float_op, inputs, [rescale.output[0]], name=node.name + "_float",
                                                 **attributes)))
            dropped.update({id(node), id(cast), id(rescale)})
            counts[node.op_type] += 1
        elif node.op_type == "DynamicQuantizeLSTM":
            x, w_q, r_q, b, seq, h0, c0, p, w_s, w_zp, r_s, r_zp = (list(node.input) + [""] * 12)[:12]

            def lstm_weight(q: str, s: str, zp: str) -> np.ndarray:
                # [directions, input, 4*hidden] int8 with one scale per direction -> ONNX LSTM's [dirs, 4*hidden, in]
                value = (array(q).astype(np.float32) - np.reshape(array(zp), (-1, 1, 1))) * np.reshape(array(s), (-1, 1, 1))
                return np.ascontiguousarray(np.transpose(value, (0, 2, 1)))

            w_name, r_name = w_q.removesuffix("_quantized") + "_dequantized", r_q.removesuffix("_quantized") + "_dequantized"
            new_weights += [numpy_helper.from_array(lstm_weight(w_q, w_s, w_zp), w_name),
                            numpy_helper.from_array(lstm_weight(r_q, r_s, r_zp), r_name)]
            attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            added.append((node, helper.make_node("LSTM", [x, w_name, r_name, b, seq, h0, c0, p], list(node.output),
                                                 name=node.name + "_float", **attributes)))
            dropped.add(id(node))
            counts[node.op_type] += 1

    # Rebuild the node list in order, each float node where its quantised one was, then drop what nothing reads.
    replacement = {id(old): new for old, new in added}
    nodes = [replacement.get(id(node), node) for node in graph.node
             if id(node) not in dropped or id(node) in replacement]
    nodes = _without_dead(nodes, [out.name for out in graph.output])
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    kept = [init for init in graph.initializer if init.name in used] + [w for w in new_weights if w.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return counts


def _float_bias(producer: dict, weights: dict, quantised: str) -> str:
    """The float bias initializer upstream of a run-time-quantised bias."""
    pending = [quantised]
    while pending:
        node = producer.get(pending.pop())
        if node is None:
            continue
        if node.op_type == "Div" and node.input[0] in weights:
            return node.input[0]
        pending.extend(node.input)
    raise ValueError(f"no float bias found behind {quantised}")


def _without_dead(nodes: list, outputs: list[str]) -> list:
    """Nodes whose outputs something reads (the DynamicQuantizeLinear nodes lose their readers above)."""
    needed, alive = set(outputs), []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            alive.append(node)
            needed.update(name for name in node.input if name)
    return list(reversed(alive))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    counts = dequantize(args.source, args.target)
    print(f"{args.target}: rewrote {counts}")


if __name__ == "__main__":
    main()
