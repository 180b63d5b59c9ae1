//! Optional attribute macros for Ironflow (re-exported as `ironflow::activity`,
//! `ironflow::activities` and `ironflow::handlers`). Each expands into the plain trait
//! implementations a user could write by hand: nothing here is needed to use Ironflow.
//!
//! - `#[activity]` on an `async fn(ctx, input) -> Result<O, E>`: an activity definition type named
//!   after the function in UpperCamelCase (`charge_card` → `ChargeCard`), implementing
//!   `ActivityDefinition` and `Activity` by calling the function.
//! - `#[activities]` on an `impl` block of a service: each `#[activity]` method becomes a
//!   definition type implemented by the service, and the service registers them all at once.
//! - `#[handlers]` on an `impl` block of a workflow's state: each `#[signal]`, `#[query]` and
//!   `#[update]` method becomes a message definition type (named after the method) and a handler
//!   of the state; `#[update_validator(method)]` validates an update.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Expr, ExprLit, FnArg, GenericArgument, Ident, ImplItem, ImplItemFn, ItemFn, ItemImpl, Lit, Meta,
    PathArguments, ReturnType, Signature, Token, Type, Visibility,
};

/// `charge_card` → `ChargeCard`.
fn camel(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The options an attribute takes: `name = "..."`, `timeout = <expr>`, flags.
#[derive(Default)]
struct Options {
    name: Option<String>,
    definition: Option<Ident>,
    values: Vec<(Ident, Expr)>,
    flags: Vec<Ident>,
}

impl Options {
    fn parse(
        args: Punctuated<Meta, Token![,]>,
        allowed_values: &[&str],
        allowed_flags: &[&str],
    ) -> syn::Result<Self> {
        let mut o = Options::default();
        for meta in args {
            match meta {
                Meta::NameValue(nv) if nv.path.is_ident("name") => match &nv.value {
                    Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => o.name = Some(s.value()),
                    other => return Err(syn::Error::new(other.span(), "`name` takes a string literal")),
                },
                Meta::NameValue(nv) if nv.path.is_ident("definition") => match &nv.value {
                    Expr::Path(p) if p.path.get_ident().is_some() => {
                        o.definition = p.path.get_ident().cloned()
                    }
                    other => return Err(syn::Error::new(other.span(), "`definition` takes a type name")),
                },
                Meta::NameValue(nv) => {
                    let ident = nv
                        .path
                        .get_ident()
                        .cloned()
                        .ok_or_else(|| syn::Error::new(nv.path.span(), "expected an option name"))?;
                    if !allowed_values.iter().any(|a| ident == a) {
                        return Err(syn::Error::new(
                            ident.span(),
                            format!(
                                "unknown option `{ident}`; expected one of: name, definition{}",
                                allowed_values
                                    .iter()
                                    .map(|a| format!(", {a}"))
                                    .collect::<String>()
                            ),
                        ));
                    }
                    o.values.push((ident, nv.value));
                }
                Meta::Path(p) => {
                    let ident = p
                        .get_ident()
                        .cloned()
                        .ok_or_else(|| syn::Error::new(p.span(), "expected a flag"))?;
                    if !allowed_flags.iter().any(|a| ident == a) {
                        return Err(syn::Error::new(ident.span(), format!("unknown flag `{ident}`")));
                    }
                    o.flags.push(ident);
                }
                Meta::List(l) => return Err(syn::Error::new(l.span(), "unexpected option list")),
            }
        }
        Ok(o)
    }
}

/// `Result<T, E>` → `(T, E)`.
fn result_types(ret: &ReturnType) -> Option<(Type, Type)> {
    let ReturnType::Type(_, ty) = ret else { return None };
    let Type::Path(p) = ty.as_ref() else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    });
    Some((types.next()?, types.next()?))
}

/// The types of a function's parameters after the receiver (and after `skip` plain ones).
fn param_types(sig: &Signature) -> Vec<Type> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some((*t.ty).clone()),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn has_receiver(sig: &Signature) -> bool {
    matches!(sig.inputs.first(), Some(FnArg::Receiver(_)))
}

/// The `ActivityDefinition` options of an activity attribute.
fn definition_overrides(o: &Options) -> TokenStream2 {
    let mut out = TokenStream2::new();
    for (ident, value) in &o.values {
        out.extend(match ident.to_string().as_str() {
            "timeout" | "start_to_close_timeout" => quote! {
                fn timeout() -> ::std::option::Option<::std::time::Duration> { ::std::option::Option::Some(#value) }
            },
            "schedule_to_close_timeout" => quote! {
                fn schedule_to_close_timeout() -> ::std::option::Option<::std::time::Duration> { ::std::option::Option::Some(#value) }
            },
            "heartbeat_timeout" => quote! {
                fn heartbeat_timeout() -> ::std::option::Option<::std::time::Duration> { ::std::option::Option::Some(#value) }
            },
            "retry_policy" => quote! {
                fn retry_policy() -> ::std::option::Option<::ironflow::RetryPolicy> { ::std::option::Option::Some(#value) }
            },
            _ => quote! {},
        });
    }
    if o.flags.iter().any(|f| f == "idempotent") {
        out.extend(quote! { fn is_idempotent() -> bool { true } });
    }
    out
}

const ACTIVITY_VALUES: &[&str] = &[
    "timeout",
    "start_to_close_timeout",
    "schedule_to_close_timeout",
    "heartbeat_timeout",
    "retry_policy",
];

/// What an activity function or method looks like, checked.
struct ActivityShape {
    definition: Ident,
    name: String,
    input: Type,
    output: Type,
    error: Type,
    takes_input: bool,
}

fn activity_shape(sig: &Signature, options: &Options) -> syn::Result<ActivityShape> {
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "an activity must be an `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "an activity cannot be generic",
        ));
    }
    let params = param_types(sig);
    if params.is_empty() || params.len() > 2 {
        return Err(syn::Error::new(
            sig.inputs.span(),
            "an activity takes `(ctx: ActivityContext, input: T)` or `(ctx: ActivityContext)`; pass several \
             arguments as a struct, or as `ironflow::converter::Args<(A, B)>`",
        ));
    }
    let (output, error) = result_types(&sig.output)
        .ok_or_else(|| syn::Error::new(sig.output.span(), "an activity returns `Result<Output, Error>`"))?;
    let fn_name = sig.ident.to_string();
    Ok(ActivityShape {
        definition: options
            .definition
            .clone()
            .unwrap_or_else(|| Ident::new(&camel(&fn_name), sig.ident.span())),
        name: options.name.clone().unwrap_or(fn_name),
        input: params.get(1).cloned().unwrap_or_else(|| syn::parse_quote!(())),
        output,
        error,
        takes_input: params.len() == 2,
    })
}

fn definition_struct(
    vis: &Visibility,
    shape: &ActivityShape,
    overrides: TokenStream2,
    origin: &str,
) -> TokenStream2 {
    let ActivityShape {
        definition,
        name,
        input,
        output,
        ..
    } = shape;
    let doc = format!("The definition of activity `{name}` (from `{origin}`).");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #definition;

        impl ::ironflow::ActivityDefinition for #definition {
            const NAME: &'static str = #name;
            type Input = #input;
            type Output = #output;
            #overrides
        }
    }
}

/// An activity from an `async fn(ctx: ActivityContext, input: T) -> Result<O, E>`: generates a
/// definition type named after the function in UpperCamelCase (`charge_card` → `ChargeCard`),
/// whose activity type name is the function's name. Options: `name = "..."` (the activity type
/// name), `definition = TypeName`, `timeout = <Duration>`, `schedule_to_close_timeout = ..`,
/// `heartbeat_timeout = ..`, `retry_policy = <RetryPolicy>`, `idempotent`.
#[proc_macro_attribute]
pub fn activity(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(attr with Punctuated::<Meta, Token![,]>::parse_terminated);
    let f = syn::parse_macro_input!(item as ItemFn);
    expand_activity(args, f)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

fn expand_activity(args: Punctuated<Meta, Token![,]>, f: ItemFn) -> syn::Result<TokenStream2> {
    let options = Options::parse(args, ACTIVITY_VALUES, &["idempotent"])?;
    if has_receiver(&f.sig) {
        return Err(syn::Error::new(
            f.sig.span(),
            "`#[activity]` on a method belongs inside an `#[activities]` impl block",
        ));
    }
    let shape = activity_shape(&f.sig, &options)?;
    let fn_name = &f.sig.ident;
    let definition = definition_struct(
        &f.vis,
        &shape,
        definition_overrides(&options),
        &fn_name.to_string(),
    );
    let ActivityShape {
        definition: def,
        input,
        output,
        error,
        takes_input,
        ..
    } = &shape;
    let call = if *takes_input {
        quote! { #fn_name(ctx, input) }
    } else {
        quote! { { let () = input; #fn_name(ctx) } }
    };
    Ok(quote! {
        #f
        #definition
        impl ::ironflow::Activity for #def {
            type Error = #error;
            fn execute(
                &self,
                ctx: ::ironflow::ActivityContext,
                input: #input,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#output, #error>> + ::std::marker::Send {
                #call
            }
        }
    })
}

/// Activities implemented by a service's methods: each `#[activity]` method (`&self`, `ctx`,
/// optional input, returning `Result`) becomes a definition type named after it, implemented by
/// the service; `WorkerBuilder::register_activities(Arc::new(service))` registers them all.
/// `#[activity(..)]` takes the options of `#[ironflow::activity]`.
#[proc_macro_attribute]
pub fn activities(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(Span::call_site(), "`#[activities]` takes no options")
            .to_compile_error()
            .into();
    }
    let block = syn::parse_macro_input!(item as ItemImpl);
    expand_activities(block)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Takes the attribute named `name` off a method, with its arguments.
fn take_attr(m: &mut ImplItemFn, name: &str) -> Option<syn::Attribute> {
    let i = m.attrs.iter().position(|a| a.path().is_ident(name))?;
    Some(m.attrs.remove(i))
}

fn attr_args(attr: &syn::Attribute) -> syn::Result<Punctuated<Meta, Token![,]>> {
    match &attr.meta {
        Meta::Path(_) => Ok(Punctuated::new()),
        Meta::List(l) => l.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated),
        Meta::NameValue(nv) => Err(syn::Error::new(nv.span(), "expected `#[name]` or `#[name(..)]`")),
    }
}

fn expand_activities(mut block: ItemImpl) -> syn::Result<TokenStream2> {
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "`#[activities]` goes on an inherent impl block",
        ));
    }
    let self_ty = block.self_ty.clone();
    let mut generated = TokenStream2::new();
    let mut registrations = TokenStream2::new();
    for item in &mut block.items {
        let ImplItem::Fn(m) = item else { continue };
        let Some(attr) = take_attr(m, "activity") else {
            continue;
        };
        let options = Options::parse(attr_args(&attr)?, ACTIVITY_VALUES, &["idempotent"])?;
        let shape = activity_shape(&m.sig, &options)?;
        let method = &m.sig.ident;
        let vis = match &m.vis {
            Visibility::Inherited => Visibility::Public(Default::default()),
            v => v.clone(),
        };
        generated.extend(definition_struct(
            &vis,
            &shape,
            definition_overrides(&options),
            &format!("{}::{method}", quote!(#self_ty)),
        ));
        let ActivityShape {
            definition: def,
            input,
            output,
            error,
            takes_input,
            ..
        } = &shape;
        let receiver = if has_receiver(&m.sig) {
            quote! { self. }
        } else {
            quote! { Self:: }
        };
        let call = if *takes_input {
            quote! { #receiver #method(ctx, input) }
        } else {
            quote! { { let () = input; #receiver #method(ctx) } }
        };
        generated.extend(quote! {
            impl ::ironflow::Activity<#def> for #self_ty {
                type Error = #error;
                fn execute(
                    &self,
                    ctx: ::ironflow::ActivityContext,
                    input: #input,
                ) -> impl ::std::future::Future<Output = ::std::result::Result<#output, #error>> + ::std::marker::Send {
                    #call
                }
            }
        });
        registrations.extend(quote! { registrar.add::<#def, _>(::std::clone::Clone::clone(&self)); });
    }
    Ok(quote! {
        #block
        #generated
        impl ::ironflow::activity::ActivityGroup for #self_ty {
            fn register(self: ::std::sync::Arc<Self>, registrar: &mut ::ironflow::activity::ActivityRegistrar) {
                #registrations
            }
        }
    })
}

/// Message handlers of a workflow's state: each `#[signal]` (`&mut self`, optional data),
/// `#[query]` (`&self`, optional argument, returns the answer) and `#[update]` (`&mut self`,
/// optional argument) method becomes a message definition type named after the method
/// (`set_counter` → `SetCounter`, message name `set_counter`; `#[signal(name = "..")]` renames the
/// message) and a handler of the state. A method returning `Result<T, E>` (E into
/// `WorkflowError`) may fail: a signal's error fails the workflow, a query's or an update's is
/// returned to the caller. `#[update_validator(set_counter)]` on `fn(&self, &Arg) -> Result<(), E>`
/// validates that update. Register with `ctx.state(value).register_handlers()`.
#[proc_macro_attribute]
pub fn handlers(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(Span::call_site(), "`#[handlers]` takes no options")
            .to_compile_error()
            .into();
    }
    let block = syn::parse_macro_input!(item as ItemImpl);
    expand_handlers(block)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// How a handler method answers: its value type, and whether it returns a `Result`.
fn answer(ret: &ReturnType) -> (Type, bool) {
    match result_types(ret) {
        Some((ok, _)) => (ok, true),
        None => match ret {
            ReturnType::Default => (syn::parse_quote!(()), false),
            ReturnType::Type(_, t) => ((**t).clone(), false),
        },
    }
}

fn expand_handlers(mut block: ItemImpl) -> syn::Result<TokenStream2> {
    let self_ty = block.self_ty.clone();
    let mut generated = TokenStream2::new();
    let mut registrations = TokenStream2::new();
    let mut validators: Vec<(Ident, Ident)> = Vec::new();
    // (method, definition, how the handler answers)
    let mut updates: Vec<(Ident, Ident, TokenStream2)> = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(m) = item else { continue };
        if let Some(attr) = take_attr(m, "update_validator") {
            let target: Ident = attr.parse_args()?;
            validators.push((target, m.sig.ident.clone()));
            continue;
        }
        let kind = ["signal", "query", "update"]
            .into_iter()
            .find_map(|k| take_attr(m, k).map(|a| (k, a)));
        let Some((kind, attr)) = kind else { continue };
        let options = Options::parse(attr_args(&attr)?, &[], &[])?;
        let method = m.sig.ident.clone();
        if m.sig.asyncness.is_some() {
            return Err(syn::Error::new(
                m.sig.span(),
                "handler methods are synchronous (they get the state itself); register an async handler \
                 with WorkflowState::on_signal_async / on_update_async",
            ));
        }
        if !has_receiver(&m.sig) {
            return Err(syn::Error::new(
                m.sig.span(),
                "a handler method takes `&self` or `&mut self`",
            ));
        }
        let params = param_types(&m.sig);
        if params.len() > 1 {
            return Err(syn::Error::new(
                m.sig.inputs.span(),
                "a handler takes at most one argument; pass several as a struct or as \
                 `ironflow::converter::Args<(A, B)>`",
            ));
        }
        let arg = params.first().cloned().unwrap_or_else(|| syn::parse_quote!(()));
        let call = if params.is_empty() {
            quote! { { let () = arg; s.#method() } }
        } else {
            quote! { s.#method(arg) }
        };
        let (value, fallible) = answer(&m.sig.output);
        let result = if fallible {
            quote! { #call.map_err(::std::convert::Into::into) }
        } else {
            quote! { ::std::result::Result::Ok(#call) }
        };
        let def = options
            .definition
            .clone()
            .unwrap_or_else(|| format_ident!("{}", camel(&method.to_string()), span = method.span()));
        let name = options.name.clone().unwrap_or_else(|| method.to_string());
        let vis = match &m.vis {
            Visibility::Inherited => Visibility::Public(Default::default()),
            v => v.clone(),
        };
        let doc = format!("The `{name}` {kind} of `{}` (from `{method}`).", quote!(#self_ty));
        generated.extend(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, Default)]
            #vis struct #def;
        });
        match kind {
            "signal" => {
                generated.extend(quote! {
                    impl ::ironflow::workflow::SignalDefinition for #def {
                        const NAME: &'static str = #name;
                        type Data = #arg;
                    }
                    impl ::ironflow::workflow::SignalHandler<#def> for #self_ty {
                        fn handle(&mut self, arg: #arg) -> ::std::result::Result<(), ::ironflow::WorkflowError> {
                            let s = self;
                            #result
                        }
                    }
                });
                registrations.extend(quote! { state.register_signal_handler::<#def>(); });
            }
            "query" => {
                generated.extend(quote! {
                    impl ::ironflow::workflow::QueryDefinition for #def {
                        const NAME: &'static str = #name;
                        type Args = #arg;
                        type Result = #value;
                    }
                    impl ::ironflow::workflow::QueryHandler<#def> for #self_ty {
                        fn handle(&self, arg: #arg) -> ::std::result::Result<#value, ::ironflow::WorkflowError> {
                            let s = self;
                            #result
                        }
                    }
                });
                registrations.extend(quote! { state.register_query_handler::<#def>(); });
            }
            _ => {
                generated.extend(quote! {
                    impl ::ironflow::workflow::UpdateDefinition for #def {
                        const NAME: &'static str = #name;
                        type Args = #arg;
                        type Result = #value;
                    }
                });
                updates.push((method.clone(), def.clone(), result));
            }
        }
    }
    if let Some((target, _)) = validators
        .iter()
        .find(|(t, _)| !updates.iter().any(|(m, _, _)| m == t))
    {
        return Err(syn::Error::new(
            target.span(),
            format!("`#[update_validator({target})]` names no `#[update]` method of this impl block"),
        ));
    }
    for (method, def, result) in &updates {
        let validate = validators
            .iter()
            .find(|(t, _)| t == method)
            .map(|(_, validator)| {
                quote! { .validator(|s, arg| s.#validator(arg).map_err(::std::convert::Into::into)) }
            });
        registrations.extend(quote! {
            state.on_update::<#def>(|s, arg| #result) #validate;
        });
    }
    Ok(quote! {
        #block
        #generated
        impl ::ironflow::workflow::WorkflowHandlers for #self_ty {
            fn register(state: &::ironflow::workflow::WorkflowState<Self>) {
                #registrations
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn camel_case() {
        assert_eq!(camel("charge_card"), "ChargeCard");
        assert_eq!(camel("greet"), "Greet");
        assert_eq!(camel("get__value_"), "GetValue");
    }
}
