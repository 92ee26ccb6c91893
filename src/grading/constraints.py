# Reads {"code", "calls", "imports", "methods"} as JSON on stdin, parses the code (never runs it)
# and prints {"violations": [{rule, name, line}]} or {"syntax_error": {line, message}}.
import ast
import json
import sys

req = json.load(sys.stdin)
calls, imports, methods = set(req["calls"]), set(req["imports"]), set(req["methods"])
try:
    tree = ast.parse(req["code"])
except SyntaxError as e:
    print(json.dumps({"syntax_error": {"line": e.lineno or 0, "message": e.msg}}))
    sys.exit(0)
except (ValueError, RecursionError, MemoryError) as e:
    print(json.dumps({"syntax_error": {"line": 0, "message": type(e).__name__ + ": " + str(e)[:200]}}))
    sys.exit(0)

found = []


def add(rule, name, node):
    found.append({"rule": rule, "name": name, "line": getattr(node, "lineno", 0)})


def const_str(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class Walker(ast.NodeVisitor):
    # Annotations name types (-> int), they do not call them: skip them.
    def visit_arg(self, node):
        pass

    def visit_FunctionDef(self, node):
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arguments(self, node):
        for d in node.defaults + [d for d in node.kw_defaults if d is not None]:
            self.visit(d)

    def visit_AnnAssign(self, node):
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_Call(self, node):
        f = node.func
        # isinstance(x, int) tests a type; it does not convert anything.
        if isinstance(f, ast.Name) and f.id in ("isinstance", "issubclass"):
            self.visit(node.args[0]) if node.args else None
            return
        if isinstance(f, ast.Name) and f.id == "getattr" and len(node.args) >= 2 and const_str(node.args[1]) in methods:
            add("method", const_str(node.args[1]), node)
        if isinstance(f, ast.Name) and f.id == "__import__" and node.args and const_str(node.args[0]):
            self.check_import(const_str(node.args[0]), node)
        if isinstance(f, ast.Attribute) and f.attr == "import_module" and node.args and const_str(node.args[0]):
            self.check_import(const_str(node.args[0]), node)
        self.generic_visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in calls:
            add("call", node.id, node)

    def visit_Attribute(self, node):
        if node.attr in methods:
            add("method", node.attr, node)
        # __builtins__.int, builtins.eval
        if node.attr in calls and isinstance(node.value, ast.Name) and node.value.id in ("__builtins__", "builtins"):
            add("call", node.attr, node)
        self.generic_visit(node)

    def check_import(self, module, node):
        root = module.split(".")[0]
        if module in imports or root in imports:
            add("import", module, node)

    def visit_Import(self, node):
        for a in node.names:
            self.check_import(a.name, node)

    def visit_ImportFrom(self, node):
        if node.module:
            self.check_import(node.module, node)
        for a in node.names:
            if a.name in calls:
                add("call", a.name, node)


Walker().visit(tree)
print(json.dumps({"violations": found}))
